"""A story store's export gives what cluster gives: input columns, confidence; schema 2 to 3."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3

import numpy as np
import pytest

from clustering import articles_from_records
from clustering.cli import main
from clustering.store.store import StoryStore
from tests.conftest import SEED_FILES
from tests.fakes import AngleEmbedder, cosine_assigner, open_fake_store

#: export's own columns, before the input's.
EXPORT_FIELDS = ("id", "story", "outlier", "confidence", "first_seen", "published", "lang", "title")
HOSTILE_DESKS = ["=HYPERLINK(1)", "-2+3", "@desk", "Wire", None]


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The store commands open their stores with the fake model and plain cosine."""
    monkeypatch.setattr("clustering.cli.store.open_store", open_fake_store)


def _jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return path


def _export(runner, db, fmt="jsonl"):
    result = runner.invoke(main, ["export", "--store", str(db), "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        return list(csv.reader(io.StringIO(result.stdout, newline="")))
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_export_writes_the_input_columns_and_the_confidence_as_cluster_does(runner, tmp_path):
    records = []
    for number, (path, desk) in enumerate(zip(SEED_FILES, HOSTILE_DESKS, strict=True)):
        record = {"id": path.name, "text": path.read_text(encoding="utf-8"), "desk": desk}
        if number % 2:
            record["tags"] = ["wire", number]
        records.append(record)
    source = _jsonl(tmp_path / "seeds.jsonl", records)
    db = tmp_path / "s.db"
    added = runner.invoke(main, ["add", "--store", str(db), str(source)])
    assert added.exit_code == 0, added.output
    for fmt in ("jsonl", "csv"):
        clustered = runner.invoke(main, ["cluster", str(source), "--format", fmt])
        assert clustered.exit_code == 0, clustered.output
        if fmt == "jsonl":
            batch = {r["id"]: r for r in map(json.loads, clustered.stdout.splitlines())}
            stored = {r["id"]: r for r in _export(runner, db)}
            own = len(EXPORT_FIELDS)
            assert [list(r)[own:] for r in stored.values()] == [["desk", "tags"]] * 5
            keep = ("confidence", "desk", "tags")
        else:
            rows = list(csv.reader(io.StringIO(clustered.stdout, newline="")))
            batch = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
            exported = _export(runner, db, "csv")
            assert exported[0] == [*EXPORT_FIELDS, "desk", "tags"]
            stored = {row[0]: dict(zip(exported[0], row, strict=True)) for row in exported[1:]}
            keep = ("confidence", "desk", "tags", "title")
        assert sorted(stored) == sorted(batch)
        assert {i: [r[k] for k in keep] for i, r in stored.items()} == {
            i: [r[k] for k in keep] for i, r in batch.items()
        }
    desks = {row[0]: row[-2] for row in exported[1:]}
    assert sorted(desks.values()) == ["", "'-2+3", "'=HYPERLINK(1)", "'@desk", "Wire"]
    confidences = sorted(row[3] for row in exported[1:])
    assert confidences[:2] == ["", ""] and confidences[-1] == "1.0"  # two outliers, one centre


def _rows(*rows, **extra):
    return articles_from_records([{"id": i, "title": t, **extra} for i, t in rows]).articles


def _extras(runner, db):
    return {r["id"]: (r.get("desk"), r.get("n")) for r in _export(runner, db)}


def test_extra_fields_change_with_the_content_by_the_update_rule(runner, tmp_path, fake_model):
    db = tmp_path / "s.db"
    with StoryStore(db, AngleEmbedder(), cosine_assigner()) as store:
        store.add(_rows(("1", "a0 floods north"), desk="North", n=1))
        # The same content: a duplicate, nothing changes, its fields neither.
        store.add(_rows(("1", "a0 floods north"), desk="South", n=2))
        assert _extras(runner, db) == {"1": ("North", 1)}
        # A copy (new id, stored content) keeps fields of its own.
        store.add(_rows(("9", "a0 floods north"), desk="Copy desk"))
        assert _extras(runner, db) == {"1": ("North", 1), "9": ("Copy desk", None)}
        # A correction (stored id, new text) takes the new fields, and drops those it lacks.
        result = store.add(_rows(("1", "a1 floods north, 12 dead"), desk="Night desk"))
        assert [a.status for a in result.assignments] == ["updated"]
        assert _extras(runner, db) == {"1": ("Night desk", None), "9": ("Copy desk", None)}
        # The copy's id sent with content of its own is added anew, with its new fields.
        store.add(_rows(("9", "a3 floods spread"), n=7))
        assert _extras(runner, db) == {"1": ("Night desk", None), "9": (None, 7)}


def test_the_confidence_follows_a_story_as_it_grows_and_merges(runner, tmp_path, fake_model):
    def confidences():
        return {r["id"]: r["confidence"] for r in _export(runner, db)}

    def dated(ident, title, day):
        return {"id": ident, "title": title, "published": f"2021-07-0{day}"}

    db = tmp_path / "s.db"
    cos = [round(float(np.cos(np.deg2rad(d))), 4) for d in (0, 5, 10, 15)]
    with StoryStore(db, AngleEmbedder(), cosine_assigner()) as store:
        store.add(articles_from_records([dated("a", "a0 first", 1)]).articles)
        assert confidences() == {"a": None}  # an outlier has none
        store.add(articles_from_records([dated("b", "a10 second", 2)]).articles)
        assert confidences() == {"a": cos[0], "b": cos[2]}  # a tie: the smaller id is central
        store.add(articles_from_records([dated("c", "a5 third", 2)]).articles)
        assert confidences() == {"a": cos[1], "b": cos[1], "c": cos[0]}  # c is the centre now
        # d, days away, opens a story; e bridges both: they merge, and the centre moves again.
        store.add(articles_from_records([dated("d", "a20 later", 6)]).articles)
        result = store.add(articles_from_records([dated("e", "a15 between", 4)]).articles)
    assert result.merges == [("S2", "S1")]
    # b (10 degrees) is the median of 0, 5, 10, 15 and 20: the centre of the merged story.
    assert confidences() == {"a": cos[2], "b": cos[0], "c": cos[1], "d": cos[2], "e": cos[1]}


def test_times_with_and_without_fractions_of_a_second_are_read(runner, tmp_path, fake_model):
    db = tmp_path / "s.db"
    rows = [
        {"id": "1", "title": "a0 floods", "published": "2021-07-01T09:30:00"},
        {"id": "2", "title": "zz fire", "published": "2021-07-01T09:30:00.250"},
    ]
    with StoryStore(db, AngleEmbedder(), cosine_assigner()) as store:
        store.add(articles_from_records(rows).articles)
    published = [r["published"] for r in _export(runner, db)]
    assert published == ["2021-07-01T09:30:00Z", "2021-07-01T09:30:00.250000Z"]
    first_seen = [r["first_seen"] for r in _export(runner, db)]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", t) for t in first_seen)


def _version_2_store(path):
    """A store as samestory 2 wrote it: schema version 2, two stories and a copy.

    Its story ids are as stores named them then (st000001); newer stores name them S1.
    """
    from clustering.store.database import MIGRATIONS

    connection = sqlite3.connect(path)
    for step in MIGRATIONS[:2]:
        step(connection)
    vectors = AngleEmbedder().encode(["a0", "a10", "zz"])
    connection.executescript(
        "INSERT INTO meta VALUES ('model', 'angle-fake'), ('dimension', '64'), "
        "('next_story', '3');"
        "INSERT INTO stories VALUES ('st000001', '2021-07-01T00:00:00', NULL), "
        "('st000002', '2021-07-01T00:00:00', NULL);"
        "INSERT INTO copies VALUES ('9', '1', NULL, NULL, NULL, 'c.txt', '2021-07-02T00:00:00');"
    )
    stored = [
        ("1", "a0 floods north", "st000001"),
        ("2", "a10 floods again", "st000001"),
        ("3", "zz other fire", "st000002"),
    ]
    for number, (ident, title, story) in enumerate(stored):
        connection.execute(
            "INSERT INTO articles (id, digest, title, text, first_seen, story, vector) "
            "VALUES (?, ?, ?, '', '2021-07-01T00:00:00', ?, ?)",
            (ident, bytes([number]), title, story, vectors[number].tobytes()),
        )
        connection.execute(
            "INSERT INTO history (at, event, article, story) "
            "VALUES ('2021-07-01T00:00:00', 'assign', ?, ?)",
            (ident, story),
        )
    connection.execute("PRAGMA user_version=2")
    connection.commit()
    connection.close()


def _schema(db):
    connection = sqlite3.connect(db)
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    connection.close()
    return version, "feeds" in tables


def test_a_version_2_store_is_read_as_is_and_migrated_by_a_writer(runner, tmp_path, fake_model):
    db = tmp_path / "s.db"
    _version_2_store(db)
    before = db.read_bytes()
    cos10 = round(float(np.cos(np.deg2rad(10))), 4)
    expected = [
        ("1", "st000001", 1.0, "a0 floods north"),
        ("9", "st000001", 1.0, "a0 floods north"),
        ("2", "st000001", cos10, "a10 floods again"),
        ("3", "st000002", None, "zz other fire"),
    ]

    def exported():
        rows = _export(runner, db)
        assert all(list(r)[: len(EXPORT_FIELDS)] == list(EXPORT_FIELDS) for r in rows)
        return [(r["id"], r["story"], r["confidence"], r["title"]) for r in rows], rows

    # A reader does not migrate (nor write at all): it reads the store without extra fields.
    read, _ = exported()
    assert read == expected
    assert (db.read_bytes(), _schema(db)) == (before, (2, False))
    stories = runner.invoke(main, ["stories", "--store", str(db), "--format", "jsonl"])
    assert stories.exit_code == 0 and len(stories.stdout.splitlines()) == 4
    assert db.read_bytes() == before
    # A writer migrates it in place: everything kept, and new articles keep their fields.
    with StoryStore(db, AngleEmbedder(), cosine_assigner()) as store:
        assert _schema(db) == (4, True)  # version 4: the corrections tables
        result = store.add(_rows(("4", "a5 floods spread"), desk="Wire"))
        assert [(a.story, a.status) for a in result.assignments] == [("st000001", "joined")]
        opened = store.add(_rows(("5", "qq new quake")))  # numbered on: S3
        assert [(a.story, a.status) for a in opened.assignments] == [("S3", "new")]
        assert store.history()["article"].tolist() == ["1", "2", "3", "4", "5"]
    migrated, rows = exported()
    assert [row[:2] for row in migrated] == [row[:2] for row in expected] + [
        ("4", "st000001"),
        ("5", "S3"),
    ]
    assert [r["desk"] for r in rows] == [None, None, None, None, "Wire", None]
    assert all(r["confidence"] is not None for r in rows if r["story"] == "st000001")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_input_columns_named_like_python_or_internal_names_are_read_back(
    runner, tmp_path, fake_model, fmt
):
    db = tmp_path / "s.db"
    with StoryStore(db, AngleEmbedder(), cosine_assigner()) as store:
        store.add(
            articles_from_records(
                [{"id": "1", "title": "a0 floods", "self": "x", "_rank": "y"}]
            ).articles
        )
    for command in ("export", "stories"):
        result = runner.invoke(main, [command, "--store", str(db), "--format", fmt])
        assert result.exit_code == 0, result.output
        if fmt == "jsonl":
            row = json.loads(result.stdout.splitlines()[0])
            assert (row["self"], row["_rank"]) == ("x", "y")
        else:
            header, row = list(csv.reader(io.StringIO(result.stdout, newline="")))
            assert dict(zip(header, row, strict=True))["self"] == "x"


def test_export_is_in_the_order_stored_with_each_copy_after_its_article(
    runner, tmp_path, fake_model
):
    db = tmp_path / "s.db"
    with StoryStore(db, AngleEmbedder(), cosine_assigner()) as store:
        store.add(_rows(("k5", "a0 floods north"), ("k7", "a90 budget passes")))
        store.add(_rows(("k1", "a0 floods north"), ("k0", "a0 floods north"), ("k3", "zz fire")))
    assert [row["id"] for row in _export(runner, db)] == ["k5", "k1", "k0", "k7", "k3"]


def test_an_input_column_empty_in_every_row_is_exported_as_cluster_writes_it(
    runner, tmp_path, fake_model
):
    db = tmp_path / "s.db"
    with StoryStore(db, AngleEmbedder(), cosine_assigner()) as store:
        store.add(_rows(("1", "a0 floods north"), ("2", "zz fire"), note=None))
    assert [row["note"] for row in _export(runner, db)] == [None, None]
    header = _export(runner, db, "csv")[0]
    assert header[-1] == "note"
