"""Hostile cases against a story store (issue 26): nothing lost, a damaged store is one line.

Each case runs the CLI (with the fake model and plain cosine) and checks the exit code and
the exact output; the cases are tables, so the next one is a row.
"""

from __future__ import annotations

import importlib
import json

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
        "8": None if correction == "8" else "2026-02-02T10:00:00",
        "9": "2026-02-03T10:00:00",
    }
    assert len({r["story"] for r in rows.values()}) == 1
    # Every copy sent again as it was changes nothing.
    again = _add(runner, db, _jsonl(tmp_path / "d.jsonl", *copies[correction == "8" :]))
    assert [line.split("\t")[2] for line in again.stdout.splitlines()] == ["duplicate"] * (
        1 + (correction != "8")
    )
