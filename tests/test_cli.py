"""The command line surface: help everywhere, every output format, writing to a file."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import stat
import tempfile
from pathlib import Path

import click
import pytest

from clustering.cli import main
from clustering.output import files
from clustering.output.formats import ARTICLE_FIELDS
from clustering.progress import LONG
from tests.conftest import SEEDS


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


@pytest.mark.parametrize(
    "command", [(), *_commands(main)], ids=lambda c: " ".join(c) or "samestory"
)
def test_every_command_has_help(runner, command):
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    assert len(result.stdout.splitlines()) > 3


def test_models_lists_the_bundled_models(runner):
    result = runner.invoke(main, ["models"])
    assert result.stdout.splitlines()[0].startswith("use (default): ")
    assert result.stdout.splitlines()[1].startswith("e5: ")
    assert result.stdout.splitlines()[2].startswith("e5-story: e5 tuned for 'same story'")


@pytest.mark.slow
def test_jsonl_has_one_row_per_article(runner):
    result = runner.invoke(main, ["cluster", str(SEEDS), "--format", "jsonl"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 5
    assert all(list(row) == list(ARTICLE_FIELDS) for row in rows)
    assert [row["lang"] for row in rows] == ["tr", "fr", "en", "az", "fa"]


def test_csv_matches_jsonl(runner):
    jsonl = runner.invoke(main, ["cluster", str(SEEDS), "--format", "jsonl"]).stdout
    table = runner.invoke(main, ["cluster", str(SEEDS), "--format", "csv"]).stdout
    rows = list(csv.DictReader(io.StringIO(table)))
    expected = [json.loads(line) for line in jsonl.splitlines()]
    assert [(r["id"], r["story"], r["outlier"]) for r in rows] == [
        (e["id"], e["story"], str(e["outlier"])) for e in expected
    ]


def test_json_groups_members_under_stories(runner):
    payload = json.loads(runner.invoke(main, ["cluster", str(SEEDS), "--format", "json"]).stdout)
    assert payload["articles"] == 5
    assert [(s["story"], s["size"], s["outlier"], s["languages"]) for s in payload["stories"]] == [
        ("S1", 3, False, ["en", "fr", "tr"]),
        ("S2", 1, True, ["az"]),
        ("S3", 1, True, ["fa"]),
    ]
    assert payload["stories"][0]["first_published"] == "2026-02-06T00:00:00Z"


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
def test_times_carry_their_zone_in_every_format(runner, tmp_path, fmt):
    rows = [
        {"id": "a", "title": "Floods hit the north", "published": "2025-03-12T09:45:00+03:30"},
        {"id": "b", "title": "Markets fall in Tokyo", "published": "2025-03-12T06:15:00"},
    ]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    args = ["cluster", str(tmp_path / "in.jsonl"), "--second-model", "none", "--format", fmt]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    times = re.findall(r"2025-03-12T[0-9:.+]+Z?", result.stdout)
    assert len(times) >= 2 and set(times) == {"2025-03-12T06:15:00Z"}


def test_output_file(runner, tmp_path):
    target = tmp_path / "stories.jsonl"
    result = runner.invoke(main, ["cluster", str(SEEDS), "--format", "jsonl", "-o", str(target)])
    assert result.exit_code == 0 and result.stdout == ""
    assert len(target.read_text(encoding="utf-8").splitlines()) == 5


@pytest.mark.slow
def test_other_models_give_the_seed_stories_too(runner):
    result = runner.invoke(main, ["cluster", str(SEEDS), "--model", "e5", "--format", "json"])
    sizes = [s["size"] for s in json.loads(result.stdout)["stories"]]
    assert result.exit_code == 0
    assert sizes[0] == 3


@pytest.mark.parametrize("setting", ["1", None], ids=["on", "a pipe"])
def test_progress_shows_each_long_step_on_stderr_only_when_wanted(
    runner, tmp_path, monkeypatch, setting
):
    if setting is None:
        monkeypatch.delenv("SAMESTORY_PROGRESS", raising=False)
    else:
        monkeypatch.setenv("SAMESTORY_PROGRESS", setting)
    lines = [
        json.dumps({"id": str(i), "title": f"Headline number {i} about topic {i % 7}"})
        for i in range(LONG)
    ]
    (tmp_path / "many.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["cluster", str(tmp_path / "many.jsonl"), "--format", "jsonl", "--second-model", "none"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == LONG
    if setting is None:  # CliRunner's stderr is no terminal: nothing new there
        assert result.stderr == ""
    else:
        for step in ("Embedding", "Scoring pairs", "Grouping"):
            assert f"{step}: " in result.stderr


@pytest.mark.slow
def test_rerun_reads_vectors_from_the_cache(runner, tmp_path, monkeypatch):
    import embeddings.cache as cache_module

    seen: list[int] = []
    original = cache_module.CachedEmbedder.encode

    def counting(self, texts):
        vectors = original(self, texts)
        seen.append(self.misses)
        return vectors

    monkeypatch.setattr(cache_module.CachedEmbedder, "encode", counting)
    args = ["cluster", str(SEEDS), "--format", "jsonl", "--cache-dir", str(tmp_path)]
    first = runner.invoke(main, args)
    misses_first_run = seen[-1]
    seen.clear()
    second = runner.invoke(main, args)
    assert misses_first_run > 0 and seen and seen[-1] == 0
    assert first.stdout == second.stdout
    assert (tmp_path / "vectors.sqlite").exists()


def test_max_distance_with_the_default_model_is_refused_in_one_line(runner):
    result = runner.invoke(main, ["cluster", str(SEEDS), "--max-distance", "0.3"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: max_distance applies only to plain cosine")
    assert len(result.stderr.splitlines()) == 1


def test_min_probability_one_leaves_every_seed_alone(runner):
    result = runner.invoke(
        main, ["cluster", str(SEEDS), "--min-probability", "1", "--format", "json"]
    )
    assert result.exit_code == 0
    assert [story["size"] for story in json.loads(result.stdout)["stories"]] == [1, 1, 1, 1, 1]


#: Headlines of four events in six languages, Slovenian (outside USE) among them.
_HEADLINES = [
    ("en", "Strong earthquake shakes eastern Turkey, buildings damaged"),
    ("fr", "Un fort séisme secoue l'est de la Turquie, des bâtiments endommagés"),
    ("de", "Starkes Erdbeben erschüttert Osttürkei"),
    ("en", "Greek ferry workers strike, ports paralysed"),
    ("es", "Huelga de trabajadores de ferris griegos paraliza los puertos"),
    ("en", "Central bank raises interest rates by half a point"),
    ("de", "Zentralbank erhöht Leitzins um einen halben Punkt"),
    ("sl", "Grški delavci na trajektih stavkajo, pristanišča ohromljena"),
    ("sl", "Močan potres stresel vzhodno Turčijo"),
    ("en", "Champions League: Barcelona beat Inter 3-1"),
    ("it", "Champions League: il Barcellona batte l'Inter 3-1"),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("options", "params"),
    [
        ([], {}),
        (["--second-model", "none"], {"second_model": None}),
        (["--second-up-to", "0"], {"second_up_to": 0}),
        (["--second-model", "e5-story"], {"second_model": "e5-story"}),
    ],
)
def test_second_model_options_are_the_api_settings(runner, tmp_path, options, params):
    from clustering import StoryClusterer, articles_from_records

    records = [
        {"id": f"a{i:02d}", "title": t, "lang": lang, "published": "2021-07-01T12:00:00"}
        for i, (lang, t) in enumerate(_HEADLINES)
    ]
    path = tmp_path / "headlines.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = runner.invoke(main, ["cluster", str(path), "--format", "json", *options])
    assert result.exit_code == 0, result.stderr
    stories = json.loads(result.stdout)["stories"]
    found = sorted(tuple(sorted(m["id"] for m in s["members"])) for s in stories)
    fitted = StoryClusterer(**params).fit(articles_from_records(records).articles)
    assert found == sorted(tuple(sorted(s.members)) for s in fitted.stories_)


@pytest.mark.slow
def test_second_model_e5_needs_its_pair_model_in_one_line(runner):
    result = runner.invoke(main, ["cluster", str(SEEDS), "--model", "e5", "--second-model", "e5"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: second model 'e5' needs a shipped pair model")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.slow
@pytest.mark.parametrize("options", [["--second-model", "e5-story"], ["--model", "e5-story"]])
def test_the_tuned_e5_keeps_the_seeds_three_stories(runner, options):
    result = runner.invoke(main, ["cluster", str(SEEDS), *options])
    assert result.exit_code == 0, result.stderr
    stories = [line.split()[0] for line in result.stdout.splitlines()[2:-1]]
    members = result.stdout.split("\n")
    assert stories == ["S1", "S2", "S3"] and "5 articles, 3 stories" in result.stdout
    assert sum("000_" in m and "002_" in m and "004_" in m for m in members) == 1


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


HOSTILE = [
    {"id": "evil\x1b[2J\rrow", "title": '=HYPERLINK("http://evil.example","click") floods north'},
    {"id": "calm", "title": "@SUM(A1) floods in the north", "desk": "-2+3"},
]


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("missing/out.csv", "no such folder: missing"),
        ("folder", "is a directory"),
        ("locked/out.csv", "permission denied"),
    ],
)
def test_an_output_that_cannot_be_written_is_one_line_before_any_work(
    runner, tmp_path, monkeypatch, target, problem
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    (tmp_path / "locked").mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, m: "locked" not in str(p) and real_access(p, m))
    result = runner.invoke(main, ["cluster", "no-such-input", "-o", target])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {target}: cannot write: {problem}\n"


def _fail_midway(monkeypatch) -> None:
    """Every output file write stops with a full disk after its first few characters."""
    real = tempfile.NamedTemporaryFile

    def half_written(*args, **kwargs):
        handle = real(*args, **kwargs)
        write = handle.write

        def write_half(text):
            write(text[:10])
            raise OSError(errno.ENOSPC, "No space left on device")

        handle.write = write_half
        return handle

    monkeypatch.setattr(files.tempfile, "NamedTemporaryFile", half_written)


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [["cluster", "--format", "csv"], ["report"]],
    ids=["cluster", "report"],
)
def test_a_full_disk_leaves_the_previous_output_whole(runner, tmp_path, monkeypatch, command):
    source = _jsonl(tmp_path / "in.jsonl", HOSTILE)
    target = tmp_path / "out.file"
    target.write_text("the good one\n", encoding="utf-8")
    _fail_midway(monkeypatch)
    result = runner.invoke(main, [command[0], str(source), *command[1:], "-o", str(target)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {target}: cannot write: No space left on device\n"
    assert target.read_text(encoding="utf-8") == "the good one\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.file"]


def test_output_files_replace_the_old_one_and_keep_its_permissions(runner, tmp_path):
    target = tmp_path / "stories.jsonl"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    result = runner.invoke(main, ["cluster", str(SEEDS), "--format", "jsonl", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert len(target.read_text(encoding="utf-8").splitlines()) == 5
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["stories.jsonl"]


def test_cluster_csv_is_safe_to_open_and_keeps_the_input_columns(runner, tmp_path):
    source = _jsonl(tmp_path / "in.jsonl", HOSTILE)
    result = runner.invoke(main, ["cluster", str(source), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert rows[0] == [*ARTICLE_FIELDS, "desk"]
    by_id = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert sorted(by_id) == ["calm", "evil\x1b[2J\rrow"]
    assert by_id["calm"]["title"] == "'@SUM(A1) floods in the north"
    assert by_id["calm"]["desk"] == "'-2+3"
    assert by_id["evil\x1b[2J\rrow"]["title"].startswith("'=HYPERLINK(")
    assert by_id["evil\x1b[2J\rrow"]["desk"] == ""


def test_terminal_output_and_errors_escape_control_characters(runner, tmp_path):
    source = _jsonl(tmp_path / "in.jsonl", HOSTILE)
    table = runner.invoke(main, ["cluster", str(source)])
    assert table.exit_code == 0, table.output
    assert "\x1b" not in table.stdout and "\r" not in table.stdout
    assert "evil\\x1b[2J\\rrow" in table.stdout
    missing = runner.invoke(main, ["cluster", "nope\x1b[31m.txt"])
    assert missing.exit_code == 2
    assert missing.stderr == "Error: nope\\x1b[31m.txt: no such file or directory\n"


def test_compare_shows_control_characters_escaped(runner, tmp_path):
    first = tmp_path / "evil\x1b[2J.txt"
    first.write_text("Floods hit the north of the country on Monday.", encoding="utf-8")
    second = tmp_path / "calm.txt"
    second.write_text("Floods in the north: thousands leave their homes.", encoding="utf-8")
    result = runner.invoke(main, ["compare", str(first), str(second)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "evil\\x1b[2J.txt: Floods hit" in result.stdout


def test_compare_pairs_csv_is_safe_to_open(runner, tmp_path):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "a,b,note,score\n"
        '"=HYPERLINK(""http://evil.example"") floods north",Floods in the north,@me,-0.5\n'
        'Floods in the north,"Fire in the south\rnew row",+1 555,-2\n',
        encoding="utf-8",
    )
    out = tmp_path / "scored.csv"
    result = runner.invoke(
        main, ["compare", "--pairs", str(pairs), "--left", "a", "--right", "b", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8"), newline="")))
    assert rows[0] == ["a", "b", "note", "score", "similarity", "same_story_probability"]
    assert len(rows) == 3
    assert [row[:4] for row in rows[1:]] == [
        ['\'=HYPERLINK("http://evil.example") floods north', "Floods in the north", "'@me", "-0.5"],
        ["Floods in the north", "Fire in the south\rnew row", "'+1 555", "-2"],
    ]
    assert all(0.0 <= float(value) <= 1.0 for row in rows[1:] for value in row[4:])


def test_export_csv_is_safe_and_written_whole(runner, tmp_path, monkeypatch):
    db = str(tmp_path / "s.db")
    source = _jsonl(tmp_path / "in.jsonl", HOSTILE)
    assert runner.invoke(main, ["add", "--store", db, str(source)]).exit_code == 0
    added = runner.invoke(main, ["add", "--store", db, str(source)])
    assert "evil\\x1b[2J\\rrow\t" in added.stdout
    assert "\x1b" not in added.stdout and "\r" not in added.stdout
    out = tmp_path / "export.csv"
    result = runner.invoke(main, ["export", "--store", db, "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8"), newline="")))
    assert len(rows) == 1 + 2
    assert sorted(row[rows[0].index("title")][:2] for row in rows[1:]) == ["'=", "'@"]
    before = out.read_bytes()
    _fail_midway(monkeypatch)
    failed = runner.invoke(main, ["export", "--store", db, "--format", "jsonl", "-o", str(out)])
    assert failed.exit_code == 2
    assert failed.stderr == f"Error: {out}: cannot write: No space left on device\n"
    assert out.read_bytes() == before
