"""Every kind of bad input: a one-line error naming file and line, exit code 2, no traceback."""

from __future__ import annotations

import json

import pytest

from clustering.cli import main
from tests.conftest import SEEDS


@pytest.fixture(autouse=True)
def _inside_tmp(tmp_path, monkeypatch):
    """Work inside ``tmp_path`` so the paths in error lines are short and exact."""
    monkeypatch.chdir(tmp_path)


def _write(tmp_path, name, content):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return name


def _assert_error(result, line):
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {line}\n"


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
