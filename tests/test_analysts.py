"""The analyst API: assign new articles into fitted stories, explain a pair, in-memory stores."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from clustering import (
    StoryClusterer,
    StoryStore,
    article_table,
    articles_from_records,
    explain,
    load_articles,
    make_embedder,
    story_table,
)
from clustering.output.explanations import EXPLAIN_COLUMNS
from tests.conftest import SEEDS
from tests.fakes import AngleEmbedder

#: The seeds reporting Nasirzadeh's visit to Baku (tr, fr, en); the others are alone.
VISIT = ["000_6a94ddf4fcffe0c0.txt", "002_58349e569f7a92d2.txt", "004_5504c892ed689994.txt"]
EARLY = [0, 1, 3]  # rows of the seeds fitted first: one report of the visit, the two others
LATE = [2, 4]  # the two other reports of the visit


def _fake(*rows: tuple[str, str]) -> pd.DataFrame:
    return articles_from_records(
        [{"id": i, "title": t, "published": "2026-03-01"} for i, t in rows]
    ).articles


def _cosine() -> StoryClusterer:
    return StoryClusterer(embedder=AngleEmbedder(), pair_model=None, max_distance=0.2)


def test_assign_keeps_old_stories_joins_an_event_and_opens_new_stories():
    old = _fake(("a", "a10 one"), ("b", "a10 two"), ("c", "a90 three"), ("d", "a91 four"))
    clusterer = _cosine().fit(old)
    before = clusterer.articles_.copy()
    placed = clusterer.assign(_fake(("e", "a10 five"), ("f", "a200 six"), ("g", "a200 seven")))
    assert placed[["id", "story", "status", "outlier"]].values.tolist() == [
        ["e", "S1", "joined", False],
        ["f", "S3", "new", False],
        ["g", "S3", "new", False],
    ]
    pd.testing.assert_frame_equal(clusterer.articles_.iloc[:4], before)
    assert story_table(clusterer)[["story", "size"]].values.tolist() == [
        ["S1", 3],
        ["S2", 2],
        ["S3", 2],
    ]
    assert clusterer.labels_.tolist() == [0, 0, 1, 1, 0, 2, 2]
    assert clusterer.embeddings_.shape == (7, 64)
    assert clusterer.scores_.shape == (7, 7)
    assert article_table(clusterer)["id"].tolist() == ["a", "b", "e", "c", "d", "f", "g"]


def test_assign_refuses_ids_already_fitted_and_unfitted_clusterers():
    clusterer = _cosine()
    with pytest.raises(ValueError, match="call fit first"):
        clusterer.assign(_fake(("a", "a10 one")))
    clusterer.fit(_fake(("a", "a10 one")))
    with pytest.raises(ValueError, match="'a' is already in the fitted stories"):
        clusterer.assign(_fake(("a", "a10 one again")))


@pytest.fixture(scope="module")
def seeds():
    articles = load_articles([SEEDS]).articles
    embedder = make_embedder()
    clusterer = StoryClusterer(embedder=embedder).fit(articles)
    return articles, embedder, clusterer


@pytest.mark.slow
def test_assign_on_the_seeds_matches_the_story_store(seeds):
    articles, embedder, whole = seeds
    vectors = whole.embeddings_
    early = StoryClusterer(embedder=embedder).fit(articles.iloc[EARLY], embeddings=vectors[EARLY])
    stories_before = dict(zip(early.articles_["id"], early.articles_["story"], strict=True))
    placed = early.assign(articles.iloc[LATE], embeddings=vectors[LATE])
    assert placed["status"].tolist() == ["joined", "joined"]
    assert set(placed["story"]) == {stories_before[VISIT[0]]}
    after = dict(zip(early.articles_["id"], early.articles_["story"], strict=True))
    assert {i: after[i] for i in stories_before} == stories_before
    assert story_table(early)["size"].tolist() == [3, 1, 1]

    with StoryStore(":memory:", embedder) as store:
        store.add(articles.iloc[EARLY])
        added = store.add(articles.iloc[LATE])
        assert [a.status for a in added.assignments] == ["joined", "joined"]
        grouped = store.articles().groupby("story")["id"].apply(sorted).tolist()
    assert sorted(grouped) == sorted(early.articles_.groupby("story")["id"].apply(sorted))


@pytest.mark.slow
def test_a_store_in_memory_uses_the_default_model(seeds):
    articles, _, _ = seeds
    with StoryStore(":memory:") as store:
        assert store.embedder.version == make_embedder().version
        store.add(articles)
        assert story_table(store)["size"].tolist() == [3, 1, 1]


@pytest.mark.slow
def test_explain_gives_the_probability_cluster_used(seeds):
    articles, _, clusterer = seeds
    ids = clusterer.articles_["id"].tolist()
    scores = clusterer.scores_.tocoo()
    pairs = [(i, j) for i, j in zip(scores.row, scores.col, strict=True) if i < j]
    assert pairs  # the three reports of the visit at least
    used = clusterer.pair_probabilities(
        articles, np.array([i for i, _ in pairs]), np.array([j for _, j in pairs])
    )
    for (i, j), p in zip(pairs, used, strict=True):
        table = explain(clusterer, ids[i], ids[j])
        assert table.attrs["probability"] == pytest.approx(clusterer.scores_[i, j], abs=1e-6)
        assert table.attrs["probability"] == pytest.approx(p, abs=1e-6)
        logit = math.log(p / (1 - p))
        assert table["weight"].iloc[0] == pytest.approx(logit, abs=1e-6)
        assert table["weight"].iloc[1:].sum() == pytest.approx(logit, abs=1e-4)


@pytest.mark.slow
def test_explain_is_a_table_in_words(seeds):
    _, _, clusterer = seeds
    table = explain(clusterer, VISIT[0], VISIT[2])
    assert tuple(table.columns) == EXPLAIN_COLUMNS
    assert table.loc[0, "evidence"].startswith("P(same story), by the ")
    assert table.loc[0, "says"] == "same story"
    assert table.loc[1, "evidence"] == "starting point of the model"
    words = dict(zip(table["evidence"], table["value"], strict=True))
    assert words["same language"] == "no"
    assert words["time apart (log hours)"] == "0 hours"
    assert set(table["says"]) <= {"same story", "different stories", "nothing either way"}
    assert not any("logdt" in text or text == "cos" for text in table["evidence"])
