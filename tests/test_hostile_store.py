"""Hostile cases against a story store (issue 26): nothing lost, a damaged store is one line.

Each case runs the CLI (with the fake model and plain cosine) and checks the exit code and
the exact output; the cases are tables, so the next one is a row.
"""

from __future__ import annotations

import importlib
import json
import os
import sqlite3
from collections.abc import Callable

import pytest

from clustering.cli import main
from tests.fakes import open_fake_store


@pytest.fixture(autouse=True)
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The store commands open their stores with the fake model and plain cosine."""
    monkeypatch.setattr("clustering.cli.store.open_store", open_fake_store)
    report = importlib.import_module("clustering.cli.report")  # the name is the command's
    monkeypatch.setattr(report, "open_store", open_fake_store)


def _jsonl(path, *records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return str(path)


def _add(runner, db, source, *options):
    result = runner.invoke(main, ["add", "--store", str(db), *options, source])
    assert result.exit_code == 0, result.output
    return result


def _exported(runner, db):
    result = runner.invoke(main, ["export", "--store", str(db), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    return {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}


@pytest.mark.parametrize(
    ("correction", "titles"),
    [
        # The original corrected: each copy keeps the headline it was sent with.
        ("1", {"1": "a1 talks resume, 3 dead", "8": "a0 talks resume", "9": "a0 talks resume"}),
        # A copy's id re-sent with a new headline: only that copy changes.
        ("8", {"1": "a0 talks resume", "8": "a1 talks resume, 3 dead", "9": "a0 talks resume"}),
    ],
)
def test_correcting_an_article_with_copies_keeps_the_copies_text(
    runner, tmp_path, correction, titles
):
    db = tmp_path / "desk.db"
    day = "2026-02-0{}T10:00:00"
    _add(runner, db, _jsonl(tmp_path / "a.jsonl", {"id": "1", "title": "a0 talks resume"}))
    copies = [
        {"id": ident, "title": "a0 talks resume", "published": day.format(d), "desk": ident}
        for ident, d in (("8", 2), ("9", 3))
    ]
    _add(runner, db, _jsonl(tmp_path / "b.jsonl", *copies))
    fixed = {"id": correction, "title": "a1 talks resume, 3 dead"}
    _add(runner, db, _jsonl(tmp_path / "c.jsonl", fixed))
    rows = _exported(runner, db)
    assert {i: r["title"] for i, r in rows.items()} == titles
    assert {i: rows[i]["published"] for i in ("8", "9")} == {
        "8": None if correction == "8" else "2026-02-02T10:00:00Z",
        "9": "2026-02-03T10:00:00Z",
    }
    assert len({r["story"] for r in rows.values()}) == 1
    # Every copy sent again as it was changes nothing.
    again = _add(runner, db, _jsonl(tmp_path / "d.jsonl", *copies[correction == "8" :]))
    assert [line.split("\t")[2] for line in again.stdout.splitlines()] == ["duplicate"] * (
        1 + (correction != "8")
    )


def _desk(runner, tmp_path):
    """A store of three articles, 2 of them dated, made by the CLI."""
    db = tmp_path / "desk.db"
    records = [
        {"id": "1", "title": "a0 talks resume", "published": "2026-02-02T10:00:00"},
        {"id": "2", "title": "a1 talks resume again", "published": "2026-02-02T11:00:00"},
        {"id": "3", "title": "zz fire", "desk": "wire"},
    ]
    _add(runner, db, _jsonl(tmp_path / "a.jsonl", *records))
    return db


#: What damages article 2, and the error each command then gives (None: it reads no such field).
DAMAGES = [
    ("vector = x'00'", "damaged vector", ("add", "export", "stories", "report")),
    ("vector = zeroblob(12)", "damaged vector", ("add", "export", "stories", "report")),
    ("vector = 'text'", "damaged vector", ("add", "export", "stories", "report")),
    ("published = 'garbage'", "damaged date", ("add", "export", "stories", "report")),
    ("hours = 'garbage'", "damaged date", ("add",)),
    ("first_seen = 'garbage'", "damaged date", ("export", "stories", "report")),
    ("extra = '{'", "damaged extra fields", ("export", "stories", "report")),
    ("extra = '[1]'", "damaged extra fields", ("export", "stories", "report")),
    # The matching reads a neighbour's story id and text: add said int() or a decode error.
    ("story = 'nosuch'", "damaged story", ("add",)),
    ("lang = x'00ff'", "damaged text", ("add",)),
    ("source = x'00'", "damaged text", ("add",)),
]

COMMANDS: dict[str, Callable[[str, str], list[str]]] = {
    "add": lambda db, source: ["add", "--store", db, source],
    "export": lambda db, source: ["export", "--store", db],
    "stories": lambda db, source: ["stories", "--store", db],
    "report": lambda db, source: ["report", "--store", db, "-o", f"{db}.html"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(("damage", "what", "readers"), DAMAGES)
def test_a_damaged_row_is_one_line_naming_the_article(
    runner, tmp_path, damage, what, readers, command
):
    db = _desk(runner, tmp_path)
    with sqlite3.connect(db) as connection:
        connection.execute(f"UPDATE articles SET {damage} WHERE id = '2'")
    source = _jsonl(tmp_path / "b.jsonl", {"id": "4", "title": "a0 talks go on"})
    result = runner.invoke(main, COMMANDS[command](str(db), source))
    if command in readers:
        assert (result.exit_code, result.stderr) == (2, f"Error: {db}: article 2: {what}\n")
        assert result.stdout == ""
    else:
        assert result.exit_code == 0, result.output


#: What damages copy 8 of article 1 (a copy keeps its own date and extra fields).
COPY_DAMAGES = [
    # Its original is gone: before, export left the copy out without a word.
    ("original = 'nosuch'", "damaged original"),
    ("published = 'garbage'", "damaged date"),
    ("extra = '[1]'", "damaged extra fields"),
]


@pytest.mark.parametrize("command", ["export", "stories", "report"])
@pytest.mark.parametrize(("damage", "what"), COPY_DAMAGES)
def test_a_damaged_copy_is_one_line_naming_it(runner, tmp_path, damage, what, command):
    db = tmp_path / "desk.db"
    _add(runner, db, _jsonl(tmp_path / "a.jsonl", {"id": "1", "title": "a0 talks resume"}))
    _add(runner, db, _jsonl(tmp_path / "b.jsonl", {"id": "8", "title": "a0 talks resume"}))
    with sqlite3.connect(db) as connection:
        connection.execute(f"UPDATE copies SET {damage} WHERE id = '8'")
    result = runner.invoke(main, COMMANDS[command](str(db), ""))
    assert (result.exit_code, result.stderr) == (2, f"Error: {db}: article 8: {what}\n")


def test_add_skip_bad_goes_on_past_damaged_rows_and_names_them(runner, tmp_path):
    db = _desk(runner, tmp_path)
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE articles SET vector = x'00' WHERE id = '2'")
    source = _jsonl(tmp_path / "b.jsonl", {"id": "4", "title": "a1 talks resume, day two"})
    result = runner.invoke(main, ["add", "--store", str(db), "--skip-bad", source])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"Skipped: {db}: article 2: damaged vector (left out of the matching)\n"
    )
    # 4 meets 1 (2 is left out of the matching); the damaged row stays as it is.
    assert result.stdout == "4\tS1\tjoined\n"
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM articles").fetchone() == (4,)


def test_add_skip_bad_goes_on_when_every_stored_row_is_damaged(runner, tmp_path):
    db = _desk(runner, tmp_path)
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE articles SET vector = x'00'")
    source = _jsonl(tmp_path / "b.jsonl", {"id": "4", "title": "a1 talks resume, day two"})
    result = runner.invoke(main, ["add", "--store", str(db), "--skip-bad", source])
    assert (result.exit_code, result.stdout) == (0, "4\tS3\tnew\n")
    assert result.stderr == "".join(
        f"Skipped: {db}: article {i}: damaged vector (left out of the matching)\n" for i in "123"
    )
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM articles").fetchone() == (4,)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a read-only folder needs root")
def test_add_on_a_read_only_mount_says_the_store_cannot_be_written(runner, tmp_path):
    folder = tmp_path / "mount"
    folder.mkdir()
    if os.system(f"mount -t tmpfs tmpfs {folder} 2>/dev/null") != 0:
        pytest.skip("cannot mount here")
    try:
        db = _desk(runner, folder)
        assert os.system(f"mount -o remount,ro {folder}") == 0
        source = _jsonl(tmp_path / "b.jsonl", {"id": "4", "title": "a0 talks go on"})
        result = runner.invoke(main, ["add", "--store", str(db), source])
        assert result.exit_code == 2
        assert result.stderr == (
            f"Error: {db}: the store cannot be written (a read-only file or folder) "
            "(unable to open database file)\n"
        )
        exported = runner.invoke(main, ["export", "--store", str(db)])
        assert exported.exit_code == 0, exported.output
    finally:
        os.system(f"umount {folder}")
