"""Every kind of bad input: a one-line error naming file and line, exit code 2, no traceback."""

from __future__ import annotations

import gc
import json
import os
import pathlib
import socket
import threading

import pytest

from clustering.cli import main
from clustering.errors import InputError, InputWarning
from clustering.scale import distributed as distributed_engine
from tests.conftest import SEED_FILES, SEEDS


@pytest.fixture(autouse=True)
def _inside_tmp(tmp_path, monkeypatch):
    """Work inside ``tmp_path`` so the paths in error lines are short and exact."""
    monkeypatch.chdir(tmp_path)


def _write(tmp_path, name, content):
    """Write a file, or a symbolic link for ``("link", target)``, a FIFO for ``("fifo", None)``."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, tuple):
        kind, target = content
        if kind == "link":
            os.symlink(target, path)
        else:
            os.mkfifo(path)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return name


def _assert_error(result, line):
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {line}\n"


#: Clustering without the second model: quicker, and these tests are about reading.
FAST = ["--second-model", "none"]
NOT_REGULAR = "%s: not a regular file (%s); pipe it into '-' instead"
CASES = {
    "missing path": ({}, "nope.txt", "nope.txt: no such file or directory"),
    "empty directory": ({"empty/": None}, "empty", "empty: empty directory"),
    "directory without articles": (
        {"notes/labels.csv": "id\n1\n"},
        "notes",
        "notes: no article files (.txt, .md, .html) in directory",
    ),
    "empty file": (
        {"blank.txt": "  \n\n"},
        "blank.txt",
        "blank.txt: no readable article (empty file)",
    ),
    "only boilerplate": (
        {"promo.txt": "Subscribe to our newsletter\n© 2026 Example News\n"},
        "promo.txt",
        "promo.txt: no readable article",
    ),
    "binary file": (
        {"photo.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"},
        "photo.txt",
        "photo.txt: binary file, not text",
    ),
    "NUL bytes": ({"data.txt": b"abc\x00\x00def"}, "data.txt", "data.txt: binary file, not text"),
    "undecodable text": (
        {"garbled.txt": b"caf\xe9 \x01\x02\x03\x04\x05\x06 \x81\x8d\x8f"},
        "garbled.txt",
        "garbled.txt: cannot decode text "
        "(tried utf-8, utf-16, cp1252, cp1254, cp1250, cp1251, cp1256)",
    ),
    "malformed JSONL line": (
        {"feed.jsonl": '{"id": "1", "title": "A"}\n{"id": "2", "title": "B"\n'},
        "feed.jsonl",
        "feed.jsonl:2: malformed JSONL line (Expecting ',' delimiter)",
    ),
    "JSONL line that is not an object": (
        {"feed.jsonl": '{"id": "1", "title": "A"}\n\n["id", "2"]\n'},
        "feed.jsonl",
        "feed.jsonl:3: malformed JSONL line (not a JSON object)",
    ),
    "JSONL row with neither title nor text": (
        {"feed.jsonl": '{"id": "1", "title": "A story"}\n{"id": "2", "title": " ", "text": ""}\n'},
        "feed.jsonl",
        "feed.jsonl:2: row has neither title nor text",
    ),
    "CSV row with neither title nor text": (
        {"feed.csv": "id,title,text\n1,A story,body\n2,,\n"},
        "feed.csv",
        "feed.csv:3: row has neither title nor text",
    ),
    "CSV row with too many fields": (
        {"feed.csv": "id,title\n1,A story,extra\n"},
        "feed.csv",
        "feed.csv:2: row has 3 fields, the header has 2",
    ),
    "CSV with only a header": (
        {"feed.csv": "id,title,text\n"},
        "feed.csv",
        "feed.csv: no readable article (no rows)",
    ),
    "bad date": (
        {"feed.jsonl": '{"id": "1", "title": "A story", "published": "someday"}\n'},
        "feed.jsonl",
        "feed.jsonl:1: cannot parse date 'someday'",
    ),
    "duplicate ids in one file": (
        {"feed.jsonl": '{"id": "7", "title": "A story"}\n{"id": 7, "title": "Another"}\n'},
        "feed.jsonl",
        "feed.jsonl:2: duplicate id '7' (first seen at feed.jsonl:1)",
    ),
    "JSONL nested 2,000 deep": (
        {"deep.jsonl": '{"id": "1", "title": "A", "x": ' + "[" * 2000 + "]" * 2000 + "}\n"},
        "deep.jsonl",
        "deep.jsonl:1: malformed JSONL line (nested too deeply)",
    ),
    "JSONL line breaks inside strings are no line ends": (
        {
            "feed.jsonl": '{"id": "1", "title": "A\u2028B"}\n{"id": "2", "title": "C\u0085D"}\n'
            '{"id": "3", "title": "E\u2029F"}\n{"id": "4"\n'
        },
        "feed.jsonl",
        "feed.jsonl:4: malformed JSONL line (Expecting ',' delimiter)",
    ),
    "JSON array as a title": (
        {"feed.jsonl": '{"id": "1", "title": ["A", "B"]}\n'},
        "feed.jsonl",
        "feed.jsonl:1: field 'title' holds a list, not one value",
    ),
    "unterminated CSV quote": (
        {"feed.csv": 'id,title\n1,A story\n2,"An open quote\n3,Another story\n'},
        "feed.csv",
        "feed.csv:3: unterminated quote: the quoted field opened here never closes",
    ),
    "CSV row that breaks the quoting rules": (
        {"feed.csv": 'id,title\n1,"A story" told twice\n'},
        "feed.csv",
        "feed.csv:2: malformed CSV row (',' expected after '\"')",
    ),
    "dangling symbolic link in a directory": (
        {"pages/a.txt": "A minister visits Baku.", "pages/b.txt": ("link", "gone.txt")},
        "pages",
        "pages/b.txt: broken symbolic link",
    ),
    "FIFO in a directory": (
        {"pages/a.txt": "A minister visits Baku.", "pages/b.txt": ("fifo", None)},
        "pages",
        "pages/b.txt: not a regular file (a FIFO); pipe it into '-' instead",
    ),
    "FIFO": ({"pipe.jsonl": ("fifo", None)}, "pipe.jsonl", NOT_REGULAR % ("pipe.jsonl", "a FIFO")),
    "/dev/zero": ({}, "/dev/zero", NOT_REGULAR % ("/dev/zero", "a character device")),
    "/dev/urandom": ({}, "/dev/urandom", NOT_REGULAR % ("/dev/urandom", "a character device")),
}


@pytest.mark.parametrize("files, arg, message", CASES.values(), ids=CASES.keys())
def test_bad_input_fails_with_one_line(runner, tmp_path, files, arg, message):
    for name, content in files.items():
        if content is None:
            (tmp_path / name).mkdir()
        else:
            _write(tmp_path, name, content)
    result = runner.invoke(main, ["cluster", arg], catch_exceptions=False)
    _assert_error(result, message)


def test_duplicate_ids_across_files(runner, tmp_path):
    _write(tmp_path, "a/same.txt", "A minister visits Baku.")
    _write(tmp_path, "b/same.txt", "Floods in the north.")
    result = runner.invoke(main, ["cluster", "a", "b"])
    _assert_error(result, "b/same.txt: duplicate id 'same.txt' (first seen at a/same.txt)")


@pytest.mark.slow
def test_skip_bad_reports_every_skipped_input_and_keeps_the_rest(runner, tmp_path):
    _write(
        tmp_path,
        "feed.jsonl",
        '{"id": "j1", "title": "Floods hit the northern province"}\n{"id": "j2"\n',
    )
    _write(tmp_path, "photo.txt", b"\x89PNG\r\n\x1a\n\x00")
    args = [
        "cluster",
        "--skip-bad",
        "--format",
        "jsonl",
        "feed.jsonl",
        "photo.txt",
        "nope.txt",
        str(SEEDS),
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "Skipped: feed.jsonl:2: malformed JSONL line (Expecting ',' delimiter)",
        "Skipped: photo.txt: binary file, not text",
        "Skipped: nope.txt: no such file or directory",
        "3 inputs skipped, 6 articles kept",
    ]
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert sorted(ids) == sorted(["j1", *(p.name for p in SEEDS.glob("*.txt"))])


def test_skip_bad_with_nothing_left_still_fails(runner, tmp_path):
    _write(tmp_path, "photo.txt", b"\x89PNG\r\n\x1a\n\x00")
    result = runner.invoke(main, ["cluster", "--skip-bad", "photo.txt"])
    _assert_error(result, "photo.txt: no readable article (1 skipped)")


@pytest.mark.slow  # imports sentence-transformers and torch
def test_unknown_model_is_a_one_line_error(runner):
    result = runner.invoke(main, ["cluster", str(SEEDS), "--no-cache", "--model", "no/such-model"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: cannot load sentence-transformers model 'no/such-model' offline: "
        "give a local directory or a model already in the Hugging Face cache\n"
    )


@pytest.mark.slow
def test_an_unterminated_csv_quote_costs_its_row_only(runner, tmp_path):
    rows = ["id,title", *(f"{n},Story number {n} about floods" for n in range(500))]
    rows[5] = '4,"Story number 4 with a quote that never closes'
    _write(tmp_path, "feed.csv", "\n".join(rows) + "\n")
    result = runner.invoke(main, ["cluster", *FAST, "--skip-bad", "--format", "jsonl", "feed.csv"])
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "Skipped: feed.csv:6: unterminated quote: the quoted field opened here never closes",
        "1 inputs skipped, 499 articles kept",
    ]
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert sorted(ids, key=int) == [str(n) for n in range(500) if n != 4]


def test_an_unterminated_csv_quote_is_reported_where_it_opens(tmp_path):
    from clustering.reading.records import parse_records

    text = 'id,title,text\n1,"Two\nlines",fine\n2,"Closed\nquote","open\n3,x,y\n4,z,w\n'
    items = list(parse_records(text, "csv", "f.csv"))
    assert items == [
        (2, {"id": "1", "title": "Two\nlines", "text": "fine"}),
        InputError("f.csv", "unterminated quote: the quoted field opened here never closes", 5),
        (6, {"id": "3", "title": "x", "text": "y"}),
        (7, {"id": "4", "title": "z", "text": "w"}),
    ]


@pytest.mark.slow
def test_line_separators_inside_jsonl_strings_keep_the_articles_whole(runner, tmp_path):
    content = (
        '{"id": "1", "title": "Floods\\u2028north"}\n{"id": "2", "title": "Rain\\u0085south"}\n'
    )
    _write(tmp_path, "feed.jsonl", content.encode().decode("unicode_escape"))
    result = runner.invoke(main, ["cluster", *FAST, "--format", "jsonl", "feed.jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted((row["id"], row["path"]) for row in rows) == [
        ("1", "feed.jsonl:1"),
        ("2", "feed.jsonl:2"),
    ]


@pytest.mark.slow
def test_a_lone_surrogate_in_jsonl_is_replaced_not_a_crash(runner, tmp_path):
    _write(tmp_path, "feed.jsonl", '{"id": "1", "title": "Floods \\ud800 north"}\n')
    result = runner.invoke(main, ["cluster", *FAST, "--format", "jsonl", "feed.jsonl"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["title"] == "Floods \ufffd north"


def test_a_parquet_list_column_is_one_line(runner, tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"id": ["1", "2"], "title": ["Floods", "Rain"], "date": [["x"], []]})
    frame.to_parquet(tmp_path / "feed.parquet")
    result = runner.invoke(main, ["cluster", *FAST, "feed.parquet"])
    _assert_error(result, "feed.parquet:1: field 'date' holds a list, not one value")


def test_an_unreadable_file_is_one_line(runner, tmp_path, monkeypatch):
    _write(tmp_path, "secret.txt", "A minister visits Baku.")
    opener = pathlib.Path.open

    def refuse(path, *args, **kwargs):
        if path.name == "secret.txt":
            raise PermissionError(13, "Permission denied")
        return opener(path, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", refuse)
    result = runner.invoke(main, ["cluster", *FAST, "secret.txt"])
    _assert_error(result, "secret.txt: cannot read file (Permission denied)")


def test_an_input_over_the_size_limit_is_one_line(runner, tmp_path):
    _write(tmp_path, "feed.jsonl", '{"id": "1", "title": "A minister visits Baku"}\n' * 30)
    result = runner.invoke(main, ["cluster", *FAST, "--max-input-bytes", "1k", "feed.jsonl"])
    _assert_error(
        result, "feed.jsonl: larger than the input limit of 1,024 bytes (--max-input-bytes)"
    )


def test_standard_input_over_the_size_limit_is_one_line(runner):
    result = runner.invoke(main, ["cluster", *FAST, "--max-input-bytes", "10", "-"], input="x" * 11)
    _assert_error(result, "<stdin>: larger than the input limit of 10 bytes (--max-input-bytes)")


def test_a_bad_size_option_is_a_usage_error(runner):
    result = runner.invoke(main, ["cluster", *FAST, "--max-article-bytes", "12q", "-"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--max-article-bytes': '12q' is not a size such as "
        "1048576, 512k, 64M or 1G"
    )


@pytest.mark.slow
def test_a_long_article_is_cut_to_the_limit_with_a_warning(runner, tmp_path):
    text = "Floods hit the north. " + "é" * 200
    _write(tmp_path, "feed.jsonl", json.dumps({"id": "1", "title": "Floods", "text": text}) + "\n")
    args = ["cluster", *FAST, "--max-article-bytes", "101", "--format", "jsonl", "feed.jsonl"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "Warning: feed.jsonl:1: text cut to the article limit of 101 bytes "
        "(it has 422; --max-article-bytes)\n"
    )
    assert json.loads(result.stdout)["id"] == "1"


def test_cut_to_bytes_keeps_whole_characters():
    from clustering.reading.limits import cut_to_bytes

    with pytest.warns(InputWarning, match=r"^a:1: text cut to the article limit of 5 bytes"):
        assert cut_to_bytes("ééé", 5, "text", "a:1") == "éé"
    assert cut_to_bytes("ééé", 6, "text", "a:1") == "ééé"


@pytest.mark.slow
@pytest.mark.parametrize(
    "fmt, content, ids",
    [
        ("jsonl", '{"id": "a", "title": "Floods hit the north"}\n', ["a"]),
        (None, '{"id": "a", "title": "Floods hit the north"}\n', ["a"]),
        ("csv", "id,title\na,Floods hit the north\nb,Minister visits Baku\n", ["a", "b"]),
        ("text", "Floods hit the north\n\nHeavy rain fell.\n", ["<stdin>"]),
        (None, "Floods hit the north\n\nHeavy rain fell.\n", ["<stdin>"]),
        (
            "html",
            "<html><body><h1>Floods hit the north</h1><p>Rain.</p></body></html>",
            ["<stdin>"],
        ),
    ],
)
def test_dash_reads_standard_input(runner, fmt, content, ids):
    args = ["cluster", *FAST, "--format", "jsonl", *(["--input-format", fmt] if fmt else []), "-"]
    result = runner.invoke(main, args, input=content)
    assert result.exit_code == 0, result.output
    assert sorted(json.loads(line)["id"] for line in result.stdout.splitlines()) == ids


def test_bad_lines_on_standard_input_are_named(runner):
    content = '{"id": "a", "title": "Floods hit the north"}\n{"id": "b"\n'
    result = runner.invoke(main, ["cluster", *FAST, "-"], input=content)
    _assert_error(result, "<stdin>:2: malformed JSONL line (Expecting ',' delimiter)")


@pytest.mark.slow  # imports Dask distributed
@pytest.mark.parametrize(
    "address, message",
    [
        ("foo", "missing port number in address 'foo'"),
        ("tcp://127.0.0.1:port", "invalid literal for int() with base 10: 'port'"),
    ],
)
def test_a_bad_scheduler_address_is_one_line(runner, address, message):
    distributed = pytest.importorskip("distributed")
    args = ["cluster", "--engine", "dask", "--scheduler", address, str(SEED_FILES[0])]
    result = runner.invoke(main, args)
    _assert_error(result, f"bad Dask scheduler address {address!r}: {message}")
    # the half-built Client is closed at once: its __del__, run by a later garbage
    # collection, hung the next Dask run of the process (CI, 2026-12-07)
    clients = [c for c in gc.get_objects() if type(c) is distributed.Client]
    assert {c.status for c in clients} <= {"closed"}


@pytest.mark.slow  # imports Dask distributed; waits for the connection timeout
def test_an_unreachable_scheduler_is_one_line_and_leaves_no_loop_thread(runner, monkeypatch):
    pytest.importorskip("distributed")
    # distributed retries a refused connection until the timeout: the error is the same at 1 s
    monkeypatch.setattr(distributed_engine, "CONNECT_TIMEOUT", "1s")
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    address = f"tcp://127.0.0.1:{closed.getsockname()[1]}"
    closed.close()  # nothing listens there
    before = threading.active_count()
    args = ["cluster", "--engine", "dask", "--scheduler", address, str(SEED_FILES[0])]
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: cannot reach the Dask scheduler at {address}: ")
    # the Client closed itself but left its loop's thread running, one more per failure
    assert threading.active_count() == before


@pytest.mark.slow
def test_add_keeps_the_good_sources_whatever_the_bad_ones(runner, tmp_path):
    _write(tmp_path, "good.jsonl", '{"id": "g1", "title": "Floods hit the northern province"}\n')
    _write(tmp_path, "deep.jsonl", '{"id": "d", "x": ' + "[" * 2000 + "]" * 2000 + "}\n")
    _write(tmp_path, "open.csv", 'id,title\nc1,"Minister visits Baku\nc2,Talks in Baku end\n')
    _write(tmp_path, "list.jsonl", '{"id": "l", "title": {"en": "A map"}}\n')
    _write(tmp_path, "pipe.txt", ("fifo", None))
    _write(tmp_path, "pages/a.txt", "Heavy rain in the south.")
    _write(tmp_path, "pages/b.txt", ("link", "gone.txt"))
    sources = ["good.jsonl", "deep.jsonl", "open.csv", "list.jsonl", "pipe.txt", "/dev/zero"]
    result = runner.invoke(main, ["add", "--store", "s.db", *sources, "pages", "nope.txt"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: deep.jsonl:1: malformed JSONL line (nested too deeply)",
        "Error: open.csv:2: unterminated quote: the quoted field opened here never closes",
        "Error: list.jsonl:1: field 'title' holds a map, not one value",
        f"Error: {NOT_REGULAR % ('pipe.txt', 'a FIFO')}",
        f"Error: {NOT_REGULAR % ('/dev/zero', 'a character device')}",
        "Error: pages/b.txt: broken symbolic link",
        "Error: nope.txt: no such file or directory",
    ]
    assert sorted(line.split("\t")[0] for line in result.stdout.splitlines()) == [
        "a.txt",
        "c2",
        "g1",
    ]
