"""DataFrame helpers: one row per story, one row per article, from any result holder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clustering import StoryClusterer, articles_from_records, cluster_paths
from clustering.grouping.stories import Story, story_order
from clustering.output.projection import project_2d
from clustering.output.tables import STORY_COLUMNS, article_table, story_table
from clustering.store.store import StoryStore
from tests.conftest import SEEDS
from tests.fakes import AngleEmbedder, cosine_assigner

S1_MEMBERS = ["000_6a94ddf4fcffe0c0.txt", "002_58349e569f7a92d2.txt", "004_5504c892ed689994.txt"]


@pytest.fixture(scope="module")
def seeds():
    return cluster_paths([SEEDS])


def test_story_table_of_the_seeds(seeds):
    table = story_table(seeds)
    assert tuple(table.columns) == STORY_COLUMNS
    assert table["story"].tolist() == ["S1", "S2", "S3"]
    assert table["size"].tolist() == [3, 1, 1]
    assert table["outlier"].tolist() == [False, True, True]
    assert table["languages"].tolist() == [("en", "fr", "tr"), ("az",), ("fa",)]
    assert table["sources"].tolist() == [(), (), ()]
    assert table["representative"].tolist() == [
        "004_5504c892ed689994.txt",
        "001_b7f091aae76eeadc.txt",
        "003_d63d3c6d141cb4c1.txt",
    ]
    assert table.loc[0, "title"].startswith("Azerbaijani President Ilham Aliyev on Friday")
    assert table.loc[0, "first_published"] == pd.Timestamp("2026-02-06")
    assert pd.isna(table.loc[1, "last_published"])


def test_article_table_of_the_seeds(seeds):
    table = article_table(seeds)
    assert table["id"].tolist()[:3] == S1_MEMBERS
    assert table["story"].tolist() == ["S1", "S1", "S1", "S2", "S3"]
    assert table["story_size"].tolist() == [3, 3, 3, 1, 1]
    assert table["outlier"].tolist() == [False, False, False, True, True]
    assert {"title", "text", "lang", "published"} <= set(table.columns)


def test_the_representative_is_the_most_central_member_not_the_first():
    # b is the only member close to both a and c: it represents the story though a sorts first.
    vectors = np.array([[1.0, 0.0], [0.8, 0.6], [0.28, 0.96]], dtype=np.float32)
    articles = articles_from_records(
        [{"id": i, "title": f"{i} title"} for i in ("a", "b", "c")]
    ).articles
    clusterer = StoryClusterer(embedder=AngleEmbedder(), pair_model=None, max_distance=0.6)
    clusterer.fit(articles, embeddings=vectors)
    table = story_table(clusterer)
    assert table[["story", "size", "representative", "title"]].values.tolist() == [
        ["S1", 3, "b", "b title"]
    ]


def _story(story_id: str, size: int, last: str | None) -> Story:
    stamp = pd.Timestamp(last) if last else None
    members = tuple(f"{story_id}-{k}" for k in range(size))
    return Story(story_id, members, size == 1, members[0], story_id, (), stamp, stamp)


def test_stories_sort_by_size_then_recency_then_smallest_member():
    stories = [
        _story("A", 2, "2021-07-01"),
        _story("B", 2, "2021-07-09"),
        _story("C", 1, None),
        _story("D", 3, "2021-07-02"),
        _story("E", 1, "2021-07-03"),
        _story("F", 2, "2021-07-09"),
    ]
    assert [s.id for s in sorted(stories, key=story_order)] == ["D", "B", "F", "A", "E", "C"]


def test_tables_from_a_story_store(tmp_path):
    rows = [
        {"id": "1", "title": "a0 floods north", "source": "Wire A"},
        {"id": "2", "title": "a0 floods again", "source": "Wire B"},
        {"id": "3", "title": "zz unrelated fire", "source": "Wire A"},
    ]
    with StoryStore(tmp_path / "s.db", AngleEmbedder(), cosine_assigner()) as store:
        store.add(articles_from_records(rows).articles)
        table = story_table(store)
        articles = article_table(store)
    assert table[["story", "size", "outlier", "sources"]].values.tolist() == [
        ["st000001", 2, False, ("Wire A", "Wire B")],
        ["st000002", 1, True, ("Wire A",)],
    ]
    assert articles["id"].tolist() == ["1", "2", "3"]


def test_a_wrong_source_names_what_it_got():
    with pytest.raises(TypeError, match="got list"):
        story_table([])


def test_projection_is_deterministic_and_scaled():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 8))
    points = project_2d(vectors)
    assert points.shape == (50, 2)
    assert points.min(axis=0).tolist() == [0.0, 0.0]
    assert points.max(axis=0).tolist() == [1.0, 1.0]
    np.testing.assert_array_equal(points, project_2d(vectors.copy()))
    assert project_2d(np.ones((3, 4))).tolist() == [[0.5, 0.5]] * 3
    assert project_2d(np.zeros((0, 4))).shape == (0, 2)
