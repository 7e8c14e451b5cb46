"""The second hostile round (issue 26): outputs, numbers, JSON, integers, dates, labels.

Each table row is a command line run in a folder of small inputs (see :func:`desk`), with
the exit code and the exact ``Error:`` line (or output) it must give. Outputs never
destroy inputs; numbers are checked where they enter; JSON output is valid JSON;
integers stay integers; out-of-range dates and duplicate labels are one line.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from clustering.cli import main
from clustering.output import files

MODELS = Path(files.__file__).resolve().parent.parent / "models"

ARTICLES = [
    {"id": "a1", "title": "Iran's defence minister visits Baku for talks", "story": "baku"},
    {"id": "a2", "title": "Floods in the north: thousands leave their homes", "story": "flood"},
    {"id": "a3", "title": "Iranian defence minister arrives in Baku", "story": "baku"},
]
PAIRS = (
    "text1,text2,same\n"
    "Floods in the north,Floods hit the north,1\n"
    "Talks in Baku,Baku talks begin,1\n"
    "Floods in the north,Talks in Baku,0\n"
    "Markets fall,Baku talks begin,0\n"
)


def _lines(rows: list[dict[str, object]]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a story store holding :data:`ARTICLES`."""
    folder = tmp_path_factory.mktemp("store")
    (folder / "a.jsonl").write_text(_lines(ARTICLES), encoding="utf-8")
    db = folder / "s.db"
    added = CliRunner().invoke(main, ["add", "--store", str(db), str(folder / "a.jsonl")])
    assert added.exit_code == 0, added.output
    return db.read_bytes()


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: bytes) -> Path:
    """A folder of inputs, made the working directory: names in errors are as given."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.jsonl").write_text(_lines(ARTICLES), encoding="utf-8")
    (tmp_path / "b.txt").write_text("Floods hit the north on Monday.\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("Floods in the north: many leave.\n", encoding="utf-8")
    (tmp_path / "p.csv").write_text(PAIRS, encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "000.txt").write_text("Talks in Baku on Monday.\n", encoding="utf-8")
    (tmp_path / "s.db").write_bytes(store)
    shutil.copy(MODELS / "pair-use.json", tmp_path / "m.json")
    os.link(tmp_path / "a.jsonl", tmp_path / "hard.jsonl")
    os.symlink("a.jsonl", tmp_path / "link.jsonl")
    os.symlink("in", tmp_path / "via")
    return tmp_path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _input(name: str) -> str:
    return f"it is an input ({name})"


# A path the system reads as inside a file ("a.jsonl/" is a.jsonl to pathlib): refused,
# never written over that file (before, report a.jsonl -o a.jsonl/ replaced its input).
NOT_A_FOLDER = [
    (["report", "a.jsonl", "-o", "a.jsonl/"], "a.jsonl/", "not a folder: a.jsonl"),
    (["cluster", "a.jsonl", "-o", "./a.jsonl/."], "./a.jsonl/.", "not a folder: ./a.jsonl"),
    (["export", "--store", "s.db", "-o", "b.txt/"], "b.txt/", "not a folder: b.txt"),
]

# Outputs never destroy inputs: each of these is refused before any work, nothing written.
OVER_INPUTS = [
    (["cluster", "a.jsonl", "-o", "a.jsonl"], "a.jsonl", _input("a.jsonl")),
    (["cluster", "a.jsonl", "-o", "hard.jsonl"], "hard.jsonl", _input("a.jsonl")),
    (["cluster", "a.jsonl", "-o", "link.jsonl"], "link.jsonl", _input("a.jsonl")),
    (["cluster", "link.jsonl", "-o", "hard.jsonl"], "hard.jsonl", _input("link.jsonl")),
    (["cluster", "in", "-o", "in/000.txt"], "in/000.txt", _input("in/000.txt")),
    (["cluster", "in", "-o", "./via/000.txt"], "./via/000.txt", _input("in/000.txt")),
    (["cluster", "a.jsonl", "--pair-model", "m.json", "-o", "m.json"], "m.json", _input("m.json")),
    (["report", "a.jsonl", "-o", "a.jsonl"], "a.jsonl", _input("a.jsonl")),
    (["report", "--store", "s.db", "-o", "s.db"], "s.db", _input("s.db")),
    (["export", "--store", "s.db", "-o", "s.db"], "s.db", _input("s.db")),
    # A store's WAL, its index and its journal are the store too (renaming over a live WAL
    # loses what a writer committed), whether they exist yet or not.
    (["report", "--store", "s.db", "-o", "s.db-wal"], "s.db-wal", _input("s.db-wal")),
    (["export", "--store", "s.db", "-o", "./s.db-shm"], "./s.db-shm", _input("s.db-shm")),
    (
        ["export", "--store", "./s.db", "-o", "s.db-journal"],
        "s.db-journal",
        _input("./s.db-journal"),
    ),
    (["export", "--store", "s.db", "--format", "csv", "-o", "./s.db"], "./s.db", _input("s.db")),
    (["calibrate", "--pairs", "p.csv", "--label", "same", "-o", "p.csv"], "p.csv", _input("p.csv")),
    (["calibrate", "a.jsonl", "-o", "hard.jsonl"], "hard.jsonl", _input("a.jsonl")),
    (
        ["compare", "--pairs", "p.csv", "--left", "text1", "--right", "text2", "-o", "p.csv"],
        "p.csv",
        _input("p.csv"),
    ),
    (["compare", "b.txt", "c.txt", "-o", "c.txt"], "c.txt", _input("c.txt")),
]


@pytest.mark.parametrize(
    ("args", "output", "problem"),
    OVER_INPUTS + NOT_A_FOLDER,
    ids=[" ".join(case[0]) for case in OVER_INPUTS + NOT_A_FOLDER],
)
def test_an_output_over_an_input_is_refused_and_nothing_is_written(
    runner, desk, args, output, problem
):
    before = _snapshot(desk)
    result = runner.invoke(main, args)
    assert (result.exit_code, result.stderr) == (2, f"Error: {output}: cannot write: {problem}\n")
    assert result.stdout == ""
    assert _snapshot(desk) == before


def _device(folder: Path, name: str, minor: int) -> Path:
    """A character device node like /dev/null (minor 3) or /dev/full (7), made in ``folder``.

    Made here, never the real one: a writer that renames over it replaces only this copy.
    """
    path = folder / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return path


def test_a_device_output_is_written_in_place_and_stays_a_device(runner, desk):
    null = _device(desk, "null", 3)
    result = runner.invoke(main, ["cluster", "a.jsonl", "-o", "null"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    assert sorted(p.name for p in desk.iterdir() if p.name.startswith(".")) == []


def test_a_full_device_is_one_line_and_stays_a_device(runner, desk):
    full = _device(desk, "full", 7)
    report = runner.invoke(main, ["report", "a.jsonl", "-o", "full"])
    assert (report.exit_code, report.stderr) == (
        2,
        "Error: full: cannot write: No space left on device\n",
    )
    assert stat.S_ISCHR(os.lstat(full).st_mode)


def test_a_fifo_output_is_written_into_the_pipe(runner, desk):
    fifo = desk / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader, so the writer may open
    try:
        result = runner.invoke(main, ["cluster", "a.jsonl", "--format", "jsonl", "-o", "pipe"])
        received = os.read(reader, 1 << 16)
    finally:
        os.close(reader)
    assert (result.exit_code, result.stderr) == (0, "")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [json.loads(line)["id"] for line in received.decode().splitlines()] == ["a1", "a3", "a2"]


def test_a_link_to_standard_output_stays_a_link(runner, desk, capfd):
    os.symlink("/proc/self/fd/1", desk / "out")
    result = runner.invoke(main, ["cluster", "a.jsonl", "--format", "jsonl", "-o", "out"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert os.readlink(desk / "out") == "/proc/self/fd/1"
    assert capfd.readouterr().out.count('"id": "a') == 3


def test_a_link_to_a_file_keeps_the_link_and_replaces_the_file(runner, desk):
    (desk / "real.jsonl").write_text("old\n", encoding="utf-8")
    os.symlink("real.jsonl", desk / "out.jsonl")
    result = runner.invoke(main, ["cluster", "a.jsonl", "--format", "jsonl", "-o", "out.jsonl"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert os.readlink(desk / "out.jsonl") == "real.jsonl"
    assert len((desk / "real.jsonl").read_text(encoding="utf-8").splitlines()) == 3


def test_standard_input_from_the_output_file_is_an_input(desk, monkeypatch):
    with open(desk / "a.jsonl", encoding="utf-8") as stdin:
        monkeypatch.setattr("sys.stdin", stdin)
        assert files.clashing_input("hard.jsonl", ["-"]) == "<stdin>"
    assert files.clashing_input("new.jsonl", ["a.jsonl"]) is None
    assert files.clashing_input("b.txt", ["https://example.com/b.txt", None, "missing"]) is None


def _invalid(option: str, value: str, allowed: str) -> str:
    return f"Error: Invalid value for '{option}': '{value}' is not {allowed}"


PROBABILITY = "a number from 0 to 1"
SECONDS = "a number above 0 and at most "
# Numbers are checked where they enter: NaN, infinities and values out of range are
# click's usage error (exit 2), saying the allowed range; before, most were accepted.
BAD_NUMBERS = [
    (["cluster", "a.jsonl", "--min-probability", "nan"], PROBABILITY),
    (["cluster", "a.jsonl", "--min-probability", "-inf"], PROBABILITY),
    (["cluster", "a.jsonl", "--max-distance", "nan"], "a number from 0 to 2"),
    (["cluster", "a.jsonl", "--max-distance", "inf"], "a number from 0 to 2"),
    (["cluster", "a.jsonl", "--min-cluster-size", "1e400"], "an integer from 2 to 1,000,000,000"),
    (["cluster", "a.jsonl", "--second-up-to", "-1"], "an integer from 0 to 1,000,000,000"),
    (["cluster", "a.jsonl", "--second-up-to", "9" * 20], "an integer from 0 to 1,000,000,000"),
    (["cluster", "a.jsonl", "--fetch-timeout", "inf"], SECONDS + "3600"),
    (["cluster", "a.jsonl", "--fetch-timeout", "0"], SECONDS + "3600"),
    (
        ["cluster", "a.jsonl", "--max-input-bytes", "99999999999999999999G"],
        "a size from 1 byte to 1T",
    ),
    (["cluster", "a.jsonl", "--max-article-bytes", "2000G"], "a size from 1 byte to 1T"),
    (
        ["add", "--store", "w.db", "a.jsonl", "--max-feed-bytes", "9" * 30],
        "a size from 1 byte to 1T",
    ),
    (["watch", "--store", "w.db", "a.jsonl", "--interval", "nan"], SECONDS + "86400"),
    (["watch", "--store", "w.db", "a.jsonl", "--interval", "0"], SECONDS + "86400"),
    (["watch", "--store", "w.db", "a.jsonl", "--interval", "inf"], SECONDS + "86400"),
    (["watch", "--store", "w.db", "a.jsonl", "--interval", "-5"], SECONDS + "86400"),
]


@pytest.mark.parametrize(
    ("args", "allowed"), BAD_NUMBERS, ids=[" ".join(case[0]) for case in BAD_NUMBERS]
)
def test_a_number_out_of_range_is_a_usage_error_naming_the_range(runner, desk, args, allowed):
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == _invalid(args[-2], args[-1], allowed)
    assert "Traceback" not in result.output
    assert not (desk / "w.db").exists()


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e999999"])
@pytest.mark.parametrize("field", ["coef", "intercept", "mean"])
def test_a_pair_model_with_a_number_that_is_not_finite_is_one_line(runner, desk, field, value):
    model = json.loads((MODELS / "pair-use.json").read_text(encoding="utf-8"))
    if field == "intercept":
        model[field] = 12345.5
    else:
        model[field][0] = 12345.5
    text = json.dumps(model).replace("12345.5", value)
    (desk / "m.json").write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["cluster", "a.jsonl", "--pair-model", "m.json"])
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: m.json: not a pair model ({field} holds a NaN or infinite number)\n",
    )


def test_the_library_checks_the_same_numbers(desk):
    from clustering import StoryClusterer, load_articles
    from clustering.errors import SettingsError
    from clustering.reading.limits import ReadOptions

    articles = load_articles(["a.jsonl"]).articles
    with pytest.raises(SettingsError, match=r"^min_probability: nan is not a number from 0 to 1$"):
        StoryClusterer(min_probability=float("nan")).fit(articles)
    with pytest.raises(SettingsError, match=r"^max_input_bytes: 0 is not an integer from 1 to "):
        ReadOptions(max_input_bytes=0)


def _strict(text: str) -> object:
    """``text`` read as JSON that has no NaN and no infinity (as other languages read it)."""

    def refuse(name: str) -> object:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


BIG = "7" * 5000
LONG_ID = "8" * 5000
#: A number beyond float range, integers of 5,000 digits (as an extra field and as an id),
#: and an integer column two rows lack.
ODD_NUMBERS = (
    '{"id": "a1", "title": "Talks in Baku", "ref": 12345678901234567, "n": 1, "x": 1e999999}\n'
    f'{{"id": "a2", "title": "Floods in the north", "n": 0, "big": {BIG}}}\n'
    f'{{"id": {LONG_ID}, "title": "Markets fall in Tokyo"}}\n'
)
#: What each row's extra fields become: integers stay integers, a number no float holds
#: is kept as its text, a missing one is null.
ODD_EXPECTED = {
    "a1": {"ref": 12345678901234567, "n": 1, "x": "1e999999", "big": None},
    "a2": {"ref": None, "n": 0, "x": None, "big": BIG},
    LONG_ID: {"ref": None, "n": None, "x": None, "big": None},
}


def _rows(fmt: str, text: str) -> dict[str, dict[str, object]]:
    """The extra fields of each article in ``text`` (jsonl, json or csv output)."""
    if fmt == "jsonl":
        rows = [_strict(line) for line in text.splitlines()]
    elif fmt == "json":
        rows = [m for story in _strict(text)["stories"] for m in story["members"]]  # type: ignore[index]
    else:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = [
            {k: (int(v) if v.isdigit() and len(v) < 20 else v or None) for k, v in r.items()}
            for r in reader
        ]
    return {str(row["id"]): {k: row.get(k) for k in ("ref", "n", "x", "big")} for row in rows}


@pytest.mark.parametrize(
    "args",
    [
        ["cluster", "odd.jsonl", "--format", "jsonl"],
        ["cluster", "odd.jsonl", "--format", "json"],
        ["cluster", "odd.jsonl", "--format", "csv"],
        ["export", "--store", "odd.db", "--format", "jsonl"],
        ["export", "--store", "odd.db", "--format", "csv"],
    ],
    ids=" ".join,
)
def test_odd_numbers_give_valid_json_and_integers_stay_integers(runner, desk, args):
    (desk / "odd.jsonl").write_text(ODD_NUMBERS, encoding="utf-8")
    if args[0] == "export":
        added = runner.invoke(main, ["add", "--store", "odd.db", "odd.jsonl"])
        assert added.exit_code == 0, added.output
    result = runner.invoke(main, args)
    assert (result.exit_code, result.stderr) == (0, "")
    assert _rows(args[-1], result.stdout) == ODD_EXPECTED


def test_infinite_numbers_of_a_table_are_written_as_null():
    from clustering.reading.values import json_ready

    record = {"a": float("inf"), "b": np.float32("-inf"), "c": float("nan"), "d": 1.5, "e": 2}
    assert json_ready(record) == {"a": None, "b": None, "c": None, "d": 1.5, "e": 2}


# Dates: a number no date can be and an ISO week date.
DATES = [
    (-9223372036854775808, "date -9223372036854775808 is before 1900: not a publication date"),
    ("-9223372036854775808", "date '-9223372036854775808' is before 1900: not a publication date"),
    (99999999999999999999, "cannot parse date 99999999999999999999"),
    ("1e999999", "cannot parse date '1e999999'"),
    ("2026-W54-1", "cannot parse date '2026-W54-1'"),
]


@pytest.mark.parametrize(("published", "problem"), DATES, ids=[str(d[0]) for d in DATES])
def test_a_date_out_of_range_is_one_line_and_skippable(runner, desk, published, problem):
    row = {"id": "d1", "title": "Talks in Baku", "published": published}
    (desk / "d.jsonl").write_text(_lines([row, ARTICLES[1]]), encoding="utf-8")
    failed = runner.invoke(main, ["cluster", "d.jsonl"])
    assert (failed.exit_code, failed.stderr) == (2, f"Error: d.jsonl:1: {problem}\n")
    skipped = runner.invoke(main, ["cluster", "d.jsonl", "--skip-bad", "--format", "jsonl"])
    assert skipped.exit_code == 0
    assert skipped.stderr == f"Skipped: d.jsonl:1: {problem}\n1 inputs skipped, 1 articles kept\n"


@pytest.mark.parametrize(
    ("published", "read"),
    [
        ("2026-W06-5", "2026-02-06T00:00:00Z"),
        ("2026W065", "2026-02-06T00:00:00Z"),
        ("2026-W06-5T10:00+02:00", "2026-02-06T08:00:00Z"),
        ("2026-W01-1", "2025-12-29T00:00:00Z"),
    ],
)
def test_an_iso_week_date_is_read_as_its_day(runner, desk, published, read):
    row = {"id": "d1", "title": "Talks in Baku", "published": published}
    (desk / "d.jsonl").write_text(_lines([row]), encoding="utf-8")
    result = runner.invoke(main, ["cluster", "d.jsonl", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["published"] == read


# Duplicate ids in evaluate's labels or predictions: one line at the second, not a silent win.
DUPLICATE_LABELS = [
    (
        ["evaluate", "a.jsonl", "--gold", "story", "--predicted", "pred.jsonl"],
        "pred.jsonl:3: duplicate id 'a1' (first seen at pred.jsonl:1)",
    ),
    (
        ["evaluate", "in", "--gold", "story", "--labels", "labels.csv"],
        "labels.csv:3: duplicate id '000.txt' (first seen at labels.csv:2)",
    ),
    # Ids are read as the articles' are, blanks around them aside: before, ' a2 ' was
    # another id, and the later row was silently dropped.
    (
        ["evaluate", "a.jsonl", "--gold", "story", "--labels", "blank.csv"],
        "blank.csv:3: duplicate id 'a2' (first seen at blank.csv:2)",
    ),
    (
        ["evaluate", "a.jsonl", "--gold", "story", "--predicted", "blank.jsonl"],
        "blank.jsonl:2: duplicate id 'a1' (first seen at blank.jsonl:1)",
    ),
]


@pytest.mark.parametrize(
    ("args", "problem"), DUPLICATE_LABELS, ids=[case[0][-2] for case in DUPLICATE_LABELS]
)
def test_a_duplicate_id_in_labels_or_predictions_is_one_line(runner, desk, args, problem):
    (desk / "pred.jsonl").write_text(
        _lines(
            [
                {"id": "a1", "story": "S1"},
                {"id": "a2", "story": "S2"},
                {"id": "a1", "story": "S3"},
                {"id": "a3", "story": "S1"},
            ]
        ),
        encoding="utf-8",
    )
    (desk / "labels.csv").write_text("id,story\n000.txt,x\n000.txt,y\n", encoding="utf-8")
    (desk / "blank.csv").write_text("id,story\na2,x\n a2 ,y\na1,x\na3,x\n", encoding="utf-8")
    (desk / "blank.jsonl").write_text(
        _lines([{"id": "a1", "story": "S1"}, {"id": "a1\t", "story": "S2"}]), encoding="utf-8"
    )
    result = runner.invoke(main, args)
    assert (result.exit_code, result.stderr) == (2, f"Error: {problem}\n")
