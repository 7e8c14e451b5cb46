"""Clustering in overlapping time windows: the split, the merge, undated articles, identity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clustering import (
    StoryClusterer,
    article_table,
    articles_from_records,
    load_articles,
    render,
    render_report,
)
from clustering.grouping.stories import Story
from clustering.output.report import report_data
from clustering.scale.windows import WindowedClusterer, merge_windows, split_windows
from embeddings import get_embedder
from embeddings.articles import embed_articles
from tests.conftest import SEEDS


def _vector(angle_deg: float, plane: int, dim: int = 8) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    a = np.deg2rad(angle_deg)
    v[2 * plane], v[2 * plane + 1] = np.cos(a), np.sin(a)
    return v


def _table(rows: list[tuple[str, str | None]]) -> pd.DataFrame:
    records = [{"id": ident, "title": f"Report {ident}", "published": day} for ident, day in rows]
    return articles_from_records(records).articles


def _story(members: tuple[str, ...], outlier: bool = False) -> Story:
    return Story(members[0], members, outlier, members[-1], f"Report {members[-1]}", (), None, None)


def test_windows_step_by_window_minus_overlap():
    days = pd.Series(pd.to_datetime([f"2021-07-{d:02d} 12:00" for d in range(1, 16)]))
    windows = split_windows(days, partition_hours=7 * 24, overlap_hours=3 * 24)
    # From midnight of July 1: [0, 7), [4, 11), [8, 15) days; the last reaches past July 15.
    assert [list(w) for w in windows] == [list(range(0, 7)), list(range(4, 11)), list(range(8, 15))]


def test_everything_in_one_window_is_one_partition_with_the_undated():
    days = pd.Series(
        pd.to_datetime(["2021-07-03 00:00", None, "2021-07-01 00:00", "2021-07-07 23:00"])
    )
    assert [list(w) for w in split_windows(days, 168, 72)] == [[0, 1, 2, 3]]


def test_undated_articles_get_a_partition_of_their_own_when_there_are_windows():
    days = pd.Series(pd.to_datetime(["2021-07-01", None, "2021-07-20", None]))
    assert [list(w) for w in split_windows(days, 168, 72)] == [[0], [2], [1, 3]]
    assert [list(w) for w in split_windows(pd.Series([None, None]), 168, 72)] == [[0, 1]]
    assert split_windows(pd.Series([], dtype="datetime64[ns]"), 168, 72) == []


def test_gaps_leave_no_empty_windows():
    days = pd.Series(pd.to_datetime(["2021-01-01", "2021-12-31"]))
    assert [list(w) for w in split_windows(days, 168, 72)] == [[0], [1]]


@pytest.mark.parametrize(
    ("window", "overlap", "message"),
    [
        (0, 0, "partition_hours must be positive, got 0"),
        (168, 168, "overlap_hours must be at least 0 and less than partition_hours (168), got 168"),
        (168, -1, "overlap_hours must be at least 0 and less than partition_hours (168), got -1"),
    ],
)
def test_bad_window_settings_are_named(window, overlap, message):
    with pytest.raises(ValueError) as error:
        split_windows(pd.Series(pd.to_datetime(["2021-07-01"])), window, overlap)
    assert str(error.value) == message


def test_merge_joins_stories_that_share_an_article_and_places_outliers():
    table = _table([(name, "2021-07-01") for name in "abcdef"])
    first = [_story(("a", "b")), _story(("c",), True), _story(("e",), True)]
    second = [_story(("b", "c")), _story(("d", "e")), _story(("f",), True)]
    closeness = np.eye(6)
    closeness[0, 2] = closeness[2, 0] = 0.9  # of a, b and c, c is the most central
    closeness[1, 2] = closeness[2, 1] = 0.3
    stories, labels = merge_windows(table, [first, second], lambda m: closeness[np.ix_(m, m)])
    assert [(s.id, s.members, s.outlier) for s in stories] == [
        ("S1", ("a", "b", "c"), False),
        ("S2", ("d", "e"), False),
        ("S3", ("f",), True),
    ]
    assert list(labels) == [0, 0, 0, 1, 1, 2]
    # A story joined from several windows picks its centre from the closeness given.
    assert stories[0].representative == "c"
    # A story that is one window's story keeps that window's centre.
    assert (stories[1].representative, stories[1].title) == ("e", "Report e")


def test_merge_refuses_an_article_in_no_window():
    table = _table([("a", None), ("b", None)])
    with pytest.raises(ValueError, match="article 'b' is in no window"):
        merge_windows(table, [[_story(("a",), True)]], lambda m: np.eye(len(m)))


def _dated_stories(days: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Per day, a story of three reports on its own plane, plus an outlier on its own axis."""
    rows, vectors = [], []
    for plane, day in enumerate(days):
        for k, angle in enumerate((0, 4, 8)):
            rows.append((f"d{plane}-{k}", day))
            vectors.append(_vector(angle, plane, dim=2 * len(days) + 2))
    rows.append(("lonely", days[0]))
    vectors.append(_vector(0, len(days), dim=2 * len(days) + 2))
    return _table(rows), np.stack(vectors)


def test_one_window_gives_exactly_the_story_clusterer_result():
    table, vectors = _dated_stories(["2021-07-01", "2021-07-02", "2021-07-05"])
    plain = StoryClusterer(pair_model=None).fit(table, embeddings=vectors)
    windowed = WindowedClusterer(StoryClusterer(pair_model=None)).fit(table, embeddings=vectors)
    assert len(windowed.windows_) == 1
    assert windowed.stories_ == plain.stories_
    assert list(windowed.labels_) == list(plain.labels_)
    assert windowed.articles_.equals(plain.articles_)


def test_many_windows_put_every_article_in_exactly_one_story():
    days = ["2021-07-01", "2021-07-04", "2021-07-09", "2021-07-15", "2021-08-01"]
    table, vectors = _dated_stories(days)
    table.loc[len(table) - 1, "published"] = pd.NaT  # the outlier is undated
    order = np.random.default_rng(0).permutation(len(table))
    shuffled = table.iloc[order].reset_index(drop=True)
    windowed = WindowedClusterer(StoryClusterer(pair_model=None), 5 * 24, 2 * 24)
    windowed.fit(shuffled, embeddings=vectors[order])
    # Days 0, 3, 8, 14 and 31 in windows [0, 5), [3, 8), [6, 11), [12, 17), [27, 32); undated.
    assert [len(w) for w in windowed.windows_] == [6, 3, 3, 3, 3, 1]
    members = sorted(m for story in windowed.stories_ for m in story.members)
    assert members == sorted(table["id"])
    plain = StoryClusterer(pair_model=None).fit(table, embeddings=vectors)
    assert windowed.stories_ == plain.stories_


def _windowed() -> WindowedClusterer:
    """Three stories of three reports on days in several windows, and an outlier."""
    table, vectors = _dated_stories(["2021-07-01", "2021-07-09", "2021-07-20"])
    windowed = WindowedClusterer(StoryClusterer(pair_model=None), 5 * 24, 2 * 24)
    return windowed.fit(table, embeddings=vectors)


def test_a_windowed_fit_prints_as_a_table():
    windowed = _windowed()
    assert len(windowed.windows_) == 3
    lines = render(windowed, "table").splitlines()
    assert [line.split()[:2] for line in lines[2:5]] == [["S1", "3"], ["S2", "3"], ["S3", "3"]]
    assert lines[-1] == "10 articles, 4 stories (3 with several reports, 1 outliers)"


def test_a_windowed_fit_gives_its_article_table():
    table = article_table(_windowed())
    assert table["story"].tolist() == ["S1"] * 3 + ["S2"] * 3 + ["S3"] * 3 + ["S4"]
    assert table["id"].tolist()[:3] == ["d2-0", "d2-1", "d2-2"]  # the newest story first
    assert table["story_size"].tolist() == [3] * 9 + [1]


def test_a_windowed_fit_writes_a_report():
    data = report_data(_windowed())
    assert [len(story["members"]) for story in data["stories"]] == [3, 3, 3, 1]
    assert "S1" in render_report(_windowed())


class _Recording:
    """An embedder that notes every text it is asked to embed."""

    def __init__(self, embedder, asked: list[str]) -> None:
        self.embedder, self.asked = embedder, asked
        self.model, self.version = embedder.model, embedder.version
        self.max_distance = embedder.max_distance

    def encode(self, texts):
        self.asked.extend(texts)
        return self.embedder.encode(texts)


def dated_seeds() -> pd.DataFrame:
    """The seeds in two overlapping 4-day windows (2-day overlap) and the undated one."""
    articles = load_articles([SEEDS]).articles
    days = {"000": "2026-02-01", "002": "2026-02-01", "004": "2026-02-04", "001": "2026-02-06"}
    articles["published"] = pd.to_datetime([days.get(i[:3]) for i in articles["id"]])
    return articles


@pytest.mark.slow  # the real models
@pytest.mark.parametrize("kind", ["full articles", "headlines"])
def test_heads_made_once_for_all_windows_give_the_stories_each_window_finds(monkeypatch, kind):
    """Full articles always get e5 heads; the headlines of a batch of at most 300 too."""
    articles = dated_seeds()
    if kind == "headlines":
        articles["text"] = ""
    vectors = embed_articles(articles, get_embedder("use"))
    asked: list[str] = []  # what the windows' own second models embed
    second_embedder = StoryClusterer.second_embedder
    monkeypatch.setattr(
        StoryClusterer,
        "second_embedder",
        lambda self, name: _Recording(second_embedder(self, name), asked),
    )

    def windowed(heads):
        clusterer = WindowedClusterer(StoryClusterer(embedder="use"), 4 * 24, 2 * 24, heads=heads)
        return clusterer.fit(articles, embeddings=vectors)

    own = windowed(None)
    # [000, 002, 004], [004, 001], and the undated 003: 004's head embedded twice, then
    # every head once more for the merge's closeness
    assert [sorted(articles["id"][w].str[:3]) for w in own.windows_] == [
        ["000", "002", "004"],
        ["001", "004"],
        ["003"],
    ]
    assert len(asked) == 11
    asked.clear()
    made: list[str] = []
    shared = windowed(lambda name: _Recording(get_embedder(name), made))
    assert (len(made), len(set(made)), asked) == (5, 5, [])
    assert shared.stories_ == own.stories_
    assert shared.articles_.equals(own.articles_)
    if kind == "full articles":
        assert len({s.members for s in shared.stories_ if not s.outlier}) == 1  # 000, 002, 004


@pytest.mark.slow  # the real models
def test_heads_made_once_hold_the_merges_heads_where_a_lead_reads_less_of_a_body():
    """The merge finds the heads it reads of whole bodies, where a window's lead is less.

    A short first sentence, then one of over 600 characters: the lead is the first alone.
    """
    articles = dated_seeds()
    body = " ".join(articles.loc[4, "text"].replace(".", " ").split())
    articles.loc[4, "text"] = f"Baku. {body}"
    vectors = embed_articles(articles, get_embedder("use"))
    asked: list[str] = []
    made: list[str] = []

    class Recorded(StoryClusterer):
        def second_embedder(self, name):
            return _Recording(super().second_embedder(name), asked)

    def windowed(heads):
        clusterer = WindowedClusterer(Recorded(embedder="use"), 4 * 24, 2 * 24, heads=heads)
        return clusterer.fit(articles, embeddings=vectors)

    own = windowed(None)
    asked.clear()
    shared = windowed(lambda name: _Recording(get_embedder(name), made))
    # the five heads the windows read, and 004's head as the merge reads it
    assert (len(made), len(set(made)), asked) == (6, 6, [])
    assert shared.stories_ == own.stories_
    assert shared.articles_.equals(own.articles_)


def test_a_window_weighs_names_against_a_pair_from_the_whole_bodies():
    """A window gets leads only, with each article's names of its whole text beside them.

    The first article names Mirzoyan only past its lead; the second names him in its lead,
    so nothing counts against the pair, in a window as in the whole batch.
    """
    from clustering.evidence.features import ArticleEvidence
    from clustering.evidence.model import shipped_pair_model

    filler = " ".join(f"and talk {i} of the report ran on about the visit." for i in range(40))
    records = [
        {
            "id": "a",
            "title": "Aliyev receives Nasirzadeh",
            "text": f"Aziz Nasirzadeh met Ilham Aliyev. {filler} Later Ararat Mirzoyan called.",
            "published": "2021-07-01T12:00:00",
            "lang": "en",
        },
        {
            "id": "b",
            "title": "Mirzoyan calls Aliyev",
            "text": "Ararat Mirzoyan called Ilham Aliyev after Aziz Nasirzadeh's visit.",
            "published": "2021-07-01T13:00:00",
            "lang": "en",
        },
    ]
    articles = articles_from_records(records).articles
    vectors = np.tile(_vector(0, 0, 512), (2, 1))
    windows = []

    def runner(function, inputs):
        inputs = list(inputs)
        windows.extend(inputs)
        return map(function, inputs)

    clusterer = StoryClusterer(second_model=None, min_cluster_size=2)
    WindowedClusterer(clusterer, runner=runner).fit(articles, embeddings=vectors)
    (window, _, _), *_ = windows
    assert window["text"].tolist() != articles["text"].tolist()  # leads only
    model = shipped_pair_model("use")
    assert model is not None
    whole = ArticleEvidence.of(vectors, model.mean, articles).features()
    seen = ArticleEvidence.of(vectors, model.mean, window).features()
    assert whole["against"][0, 1] < 0.5
    np.testing.assert_array_equal(seen["against"], whole["against"])
