"""``samestory dedupe``: one row per story, every article kept or a version once, any order."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from clustering import articles_from_records, load_articles
from clustering.cli import main
from clustering.store.corrections import split_articles
from tests.conftest import ROOT
from tests.fakes import fake_store, open_fake_store, titled_articles
from tests.probes import PROBES


def _jsonl(articles) -> str:
    rows = articles[["id", "title", "text", "published"]].to_dict("records")
    for row in rows:
        row["published"] = None if row["published"] != row["published"] else str(row["published"])
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def _partition(rows: list[dict]) -> Counter:
    return Counter(i for row in rows for i in [row["id"], *row["version_ids"]])


@pytest.mark.slow
def test_the_same_bytes_come_out_in_every_input_order(runner, tmp_path):
    articles = load_articles([ROOT / "seeds", PROBES]).articles
    rng = np.random.default_rng(3)
    outputs = set()
    for run in range(3):
        shuffled = articles.iloc[rng.permutation(len(articles))]
        path = tmp_path / f"{run}.jsonl"
        path.write_text(_jsonl(shuffled), encoding="utf-8")
        out = runner.invoke(main, ["dedupe", str(path)])
        assert out.exit_code == 0, out.output
        outputs.add(out.stdout)
    (text,) = outputs
    rows = [json.loads(line) for line in text.splitlines()]
    assert _partition(rows) == Counter(articles["id"])
    nasirzadeh = next(r for r in rows if r["id"].startswith("000_"))
    assert {"002_58349e569f7a92d2.txt", "004_5504c892ed689994.txt"} <= set(
        nasirzadeh["version_ids"]
    )


def test_standard_input_and_each_format(runner, tmp_path):
    articles = load_articles([ROOT / "seeds"]).articles
    stdin = _jsonl(articles)
    table = runner.invoke(main, ["dedupe", "-", "--format", "table"], input=stdin)
    assert table.exit_code == 0
    assert table.stdout.splitlines()[-1] == "3 stories kept, 2 other versions"
    csv = runner.invoke(
        main, ["dedupe", "-", "--format", "csv", "--keep", "representative"], input=stdin
    )
    header, first, *_ = csv.stdout.splitlines()
    assert header.endswith("versions,version_ids,version_sources,version_languages")
    assert first.startswith("S1,004_5504c892ed689994.txt,")


def test_a_store_is_deduplicated_with_its_corrections(runner, tmp_path, monkeypatch):
    monkeypatch.setattr("clustering.cli.deduplicate.open_store", open_fake_store)
    db = tmp_path / "s.db"
    with fake_store(db) as store:
        store.add(titled_articles(("1", "a0 x"), ("2", "a0 y"), ("3", "a90 z")))
        split_articles(store, ["2"])
    out = runner.invoke(main, ["dedupe", "--store", str(db)])
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["story"], r["id"], r["version_ids"]) for r in rows] == [
        ("S1", "1", []),
        ("S3", "2", []),
        ("S2", "3", []),
    ]
    assert _partition(rows) == Counter(["1", "2", "3"])
    bad = runner.invoke(main, ["dedupe", "--store", str(db), str(db)])
    assert (bad.exit_code, bad.output) == (2, "Error: give PATHS or --store, not both or neither\n")


@pytest.mark.data
def test_og2021_gives_one_row_per_story_cluster_finds(runner, og2021_fortnight):
    """Two weeks of OG2021 dev (474 titles): the property holds for any input."""
    clustered = runner.invoke(main, ["cluster", str(og2021_fortnight), "--format", "jsonl"])
    deduped = runner.invoke(main, ["dedupe", str(og2021_fortnight)])
    assert clustered.exit_code == deduped.exit_code == 0
    stories: dict[str, set[str]] = {}
    for line in clustered.stdout.splitlines():
        row = json.loads(line)
        stories.setdefault(row["story"], set()).add(str(row["id"]))
    rows = [json.loads(line) for line in deduped.stdout.splitlines()]
    assert sorted(r["story"] for r in rows) == sorted(stories)
    assert all({r["id"], *r["version_ids"]} == stories[r["story"]] for r in rows)
    assert max(_partition(rows).values()) == 1
    assert sum(len(members) for members in stories.values()) == _partition(rows).total()


def test_a_store_since_a_date_keeps_the_stories_active_then(runner, tmp_path, monkeypatch):
    monkeypatch.setattr("clustering.cli.deduplicate.open_store", open_fake_store)
    db = tmp_path / "s.db"
    records = [
        {"id": "old", "title": "a0 old", "published": "2026-01-01"},
        {"id": "new", "title": "a90 new", "published": "2026-02-06"},
        {"id": "again", "title": "a90 again", "published": "2026-02-05"},
    ]
    with fake_store(db) as store:
        store.add(articles_from_records(records).articles)
    out = runner.invoke(main, ["dedupe", "--store", str(db), "--since", "2026-02-06"])
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["id"], r["version_ids"]) for r in rows] == [("again", ["new"])]
    bad = runner.invoke(main, ["dedupe", "-", "--since", "2026-02-06"], input="")
    assert (bad.exit_code, bad.output) == (2, "Error: --since needs --store\n")
