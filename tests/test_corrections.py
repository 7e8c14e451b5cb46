"""Corrections that stick: split, merge, separate and undo, in the store and on the CLI."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

from clustering.cli import main
from clustering.store import corrections
from clustering.store.corrections import CorrectionError
from clustering.store.database import MIGRATIONS
from clustering.store.store import StoryStore
from tests.conftest import ROOT
from tests.fakes import fake_store, open_fake_store, titled_articles

SEEDS = ROOT / "seeds"
RUSSIAN = ROOT / "tests" / "data" / "desk" / "ru_nasirzadeh.txt"


def _stories(store: StoryStore) -> dict[str, str]:
    return dict(zip(store.articles()["id"], store.articles()["story"], strict=True))


def _tables(path) -> dict[str, list[tuple[object, ...]]]:
    """The story tables in full: stories, and each article's story."""
    with sqlite3.connect(path) as db:
        return {
            "stories": db.execute("SELECT * FROM stories ORDER BY id").fetchall(),
            "articles": db.execute("SELECT id, story FROM articles ORDER BY seq").fetchall(),
        }


def _story_of(store: StoryStore, prefix: str) -> str:
    (story,) = [s for i, s in _stories(store).items() if i.startswith(prefix)]
    return story


@pytest.mark.slow
def test_separated_seeds_never_share_a_story_in_twenty_orders(tmp_path):
    """After `separate 000 004`, no order of adding the seeds and a Russian report rejoins them."""
    paths = [*sorted(SEEDS.glob("*.txt")), RUSSIAN]
    rng = np.random.default_rng(24)
    for run in range(20):
        order = [paths[i] for i in rng.permutation(len(paths))]
        with StoryStore(tmp_path / f"{run}.db") as store:
            separated = False
            for path in order:
                store.add_sources([path])
                stored = _stories(store)
                both = [i for i in stored if i.startswith(("000", "004"))]
                if len(both) == 2 and not separated:
                    corrections.separate_articles(store, "000", "004")
                    separated = True
                if separated:
                    assert _story_of(store, "000") != _story_of(store, "004"), order
            russian = _story_of(store, "ru_")
            assert russian in {_story_of(store, "000"), _story_of(store, "004")}


def test_a_split_article_stays_out_when_every_seed_is_added_again(tmp_path):
    with StoryStore(tmp_path / "s.db") as store:
        store.add_sources([SEEDS])
        before = _story_of(store, "002")
        done = corrections.split_articles(store, ["002"], note="the French report is another visit")
        assert done.kind == "split" and _story_of(store, "002") != before
        tables, history = _tables(tmp_path / "s.db"), store.history()
        result, _ = store.add_sources([SEEDS])
        assert {a.status for a in result.assignments} == {"duplicate"}
        assert _tables(tmp_path / "s.db") == tables
        assert store.history().equals(history)
        assert history["note"].iloc[-1] == "the French report is another visit"


def test_merged_stories_stay_merged_and_take_what_matches_either(tmp_path):
    with fake_store(tmp_path / "s.db") as store:
        store.add(titled_articles(("a", "a0 first story")))
        store.add(titled_articles(("b", "a60 second story")))
        done = corrections.merge_stories(store, ["S2", "S1"])
        assert done.stories == ("S1",)
        assert set(_stories(store).values()) == {"S1"}
        store.add(titled_articles(("c", "a60 matches the second")))
        store.add(titled_articles(("d", "a0 matches the first")))
        assert set(_stories(store).values()) == {"S1"}


def test_no_article_bridges_a_separation(tmp_path):
    with fake_store(tmp_path / "s.db") as store:
        store.add(titled_articles(("1", "a0 one"), ("2", "a0 two")))
        corrections.separate_articles(store, "1", "2")
        assert _stories(store) == {"1": "S1", "2": "S2"}
        result = store.add(titled_articles(("3", "a0 three"), ("4", "a0 four")))
        assert result.merges == []
        assert _stories(store)["1"] != _stories(store)["2"]
        with pytest.raises(CorrectionError, match="correction 1 keeps them apart"):
            corrections.merge_stories(store, ["S1", "S2"])


def test_undo_restores_the_story_tables_exactly(tmp_path):
    path = tmp_path / "s.db"
    with fake_store(path) as store:
        store.add(titled_articles(("1", "a0 x"), ("2", "a0 y"), ("3", "a0 z"), ("4", "a90 q")))
        for make in (
            lambda: corrections.split_articles(store, ["2", "3"]),
            lambda: corrections.merge_stories(store, ["S1", "S2"]),
            lambda: corrections.separate_articles(store, "1", "3"),
            lambda: corrections.separate_articles(store, "1", "4"),
        ):
            before = _tables(path)
            done = make()
            assert _tables(path) != before or done.kind == "separate"
            undone = corrections.undo_correction(store)
            assert undone.id == done.id and _tables(path) == before
        with pytest.raises(CorrectionError, match="no correction to undo"):
            corrections.undo_correction(store)
        assert store.history()["event"].tolist()[-2:] == ["separate", "undo"]


def test_an_undo_that_breaks_a_later_separation_is_refused(tmp_path):
    with fake_store(tmp_path / "s.db") as store:
        store.add(titled_articles(("1", "a0 x"), ("2", "a0 y")))
        split = corrections.split_articles(store, ["2"])
        corrections.separate_articles(store, "1", "2")
        with pytest.raises(CorrectionError, match="correction 2 keeps them apart: undo 2"):
            corrections.undo_correction(store, split.id)


def test_a_store_of_version_three_gains_the_corrections_tables(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        for step in MIGRATIONS[:3]:
            step(db)
        db.execute("PRAGMA user_version=3")
    with fake_store(path) as store:
        store.add(titled_articles(("1", "a0 x"), ("2", "a0 y")))
        assert corrections.split_articles(store, ["2"]).id == 1


def test_the_commands_correct_and_undo(runner, tmp_path, monkeypatch):
    monkeypatch.setattr("clustering.cli.corrections.open_store", open_fake_store)
    db = str(tmp_path / "s.db")
    with fake_store(db) as store:
        store.add(titled_articles(("a1", "a0 x"), ("a2", "a0 y"), ("b1", "a90 z")))
    out = runner.invoke(main, ["split", "--store", db, "a2", "--note", "not the same"])
    assert (out.exit_code, out.output) == (0, "correction 1 (split): S3\n")
    out = runner.invoke(main, ["merge", "--store", db, "S3", "S2"])
    assert (out.exit_code, out.output) == (0, "correction 2 (merge): S2\n")
    out = runner.invoke(main, ["separate", "--store", db, "a1", "b1"])
    assert (out.exit_code, out.output) == (0, "correction 3 (separate): S1, S2\n")
    out = runner.invoke(main, ["undo", "--store", db, "2"])
    assert (out.exit_code, out.output) == (0, "correction 2 (undo merge): S3\n")
    out = runner.invoke(main, ["split", "--store", db, "a"])
    assert out.exit_code == 2
    assert out.output == "Error: 'a' begins several article ids ('a1', 'a2', ...)\n"
    out = runner.invoke(main, ["undo", "--store", db, "2"])
    assert out.exit_code == 2 and out.output.startswith("Error: correction 2 was undone at ")
    out = runner.invoke(main, ["split", "--store", db, "nope"])
    assert (out.exit_code, out.output) == (2, "Error: no article 'nope' in the store\n")


def test_stories_and_export_show_the_corrected_stories(runner, tmp_path, monkeypatch):
    monkeypatch.setattr("clustering.cli.store.open_store", open_fake_store)
    db = str(tmp_path / "s.db")
    with fake_store(db) as store:
        store.add(titled_articles(("a1", "a0 x"), ("a2", "a0 y")))
        corrections.split_articles(store, ["a2"])
    listed = runner.invoke(main, ["stories", "--store", db, "--format", "jsonl"])
    assert [json.loads(line)["story"] for line in listed.stdout.splitlines()] == [
        "S1",
        "S2",
    ]
    exported = runner.invoke(main, ["export", "--store", db])
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [(r["id"], r["story"], r["outlier"]) for r in rows] == [
        ("a1", "S1", True),
        ("a2", "S2", True),
    ]
