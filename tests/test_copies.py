"""Syndicated copies: thousands of one text are one point of the graph and one story."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import clustering.grouping.clusterer as clusterer_module
import clustering.grouping.copies as copies_module
from clustering import StoryClusterer, articles_from_records
from clustering.evidence.features import hours_of
from clustering.grouping.copies import find_copies
from clustering.grouping.estimator import StoryEstimator
from clustering.scale.windows import WindowedClusterer
from clustering.store.store import StoryStore
from tests.fakes import AngleEmbedder, cosine_assigner

COPIES = 3000
VARIANTS = 20

#: Besides the copies: a story of three, a story of two, and two outliers.
OTHERS = [
    ("flood-1", "a40 River floods the north"),
    ("flood-2", "a41 Floods reach the capital"),
    ("flood-3", "a42 Flood waters recede"),
    ("vote-1", "a90 Parliament votes on budget"),
    ("vote-2", "a91 Budget passes parliament"),
    ("lone-1", "zebra escapes from zoo"),
    ("lone-2", "yacht race postponed"),
]


def _table(rows: list[tuple[str, str]], published: str | None = "2026-02-06T10:00") -> pd.DataFrame:
    records = [{"id": i, "title": t, "published": published, "lang": "en"} for i, t in rows]
    return articles_from_records(records).articles


def _copies_and_others() -> pd.DataFrame:
    """3,000 copies of one headline (case and punctuation vary), 20 near copies, others."""
    copies = [
        (f"copy-{k:05d}", "a10 Quake hits the city" if k % 2 else "a10 quake hits the CITY!")
        for k in range(COPIES)
    ]
    variants = [(f"near-{k:03d}", f"a10 Quake hits the city - Source {k}") for k in range(VARIANTS)]
    return _table(copies + variants + OTHERS)


def _partition(fitted: StoryEstimator) -> list[list[str]]:
    return sorted(sorted(story.members) for story in fitted.stories_)


def _fit(table: pd.DataFrame) -> StoryClusterer:
    return StoryClusterer(embedder=AngleEmbedder(), pair_model=None, max_distance=0.2).fit(table)


def test_thousands_of_copies_are_one_point_and_one_story(monkeypatch):
    seen: list[int] = []
    build = clusterer_module.candidate_graph

    def recorded(scorer, window_hours):
        seen.append(len(scorer))
        return build(scorer, window_hours)

    monkeypatch.setattr(clusterer_module, "candidate_graph", recorded)
    table = _copies_and_others()
    fitted = _fit(table)
    assert seen == [1 + VARIANTS + len(OTHERS)]  # the graph saw one point for the copies
    quake = sorted(table["id"][: COPIES + VARIANTS])
    assert _partition(fitted) == sorted(
        [
            quake,
            ["flood-1", "flood-2", "flood-3"],
            ["vote-1", "vote-2"],
            ["lone-1"],
            ["lone-2"],
        ]
    )
    alone = _fit(_table(OTHERS)).stories_  # the others without the copies: unchanged
    assert [(s.members, s.outlier, s.representative) for s in fitted.stories_[1:]] == [
        (s.members, s.outlier, s.representative) for s in alone
    ]


def test_collapsed_copies_keep_their_ids_and_count():
    table = _copies_and_others()
    fitted = _fit(table)
    story = fitted.stories_[0]
    assert story.size == COPIES + VARIANTS and not story.outlier
    assert story.members == tuple(sorted(table["id"][: COPIES + VARIANTS]))
    assert story.representative == "copy-00000"
    out = fitted.articles_
    assert list(out["id"]) == list(table["id"])  # each article once, with its own id
    assert (out["story"][: COPIES + VARIANTS] == story.id).all()
    assert not out["outlier"][: COPIES + VARIANTS].any()
    assert (fitted.copies_[:COPIES] == 0).all()  # every copy stands with the first
    assert list(fitted.copies_[COPIES:]) == list(range(COPIES, len(table)))
    assert fitted.scores_.shape == (len(table), len(table))
    assert fitted.scores_[1].nnz == 0  # a copy's pairs are its point's


def test_copies_do_not_depend_on_input_order():
    table = _copies_and_others()
    order = np.random.default_rng(3).permutation(len(table))
    first, again = _fit(table), _fit(table.iloc[order])
    assert again.stories_ == first.stories_
    ids = table["id"].to_numpy()[order]
    points = ids[again.copies_]
    assert set(points[np.char.startswith(ids.astype(str), "copy-")]) == {"copy-00000"}


@pytest.fixture
def every_copy_group(monkeypatch):
    """Collapse groups of any size, to test the copy rule on a few articles."""
    monkeypatch.setattr(copies_module, "MIN_COPIES", 1)


def test_a_few_copies_stay_points_of_their_own():
    table = _table([(f"d{k}", "Morning briefing") for k in range(copies_module.MIN_COPIES - 1)])
    assert not find_copies(table, hours_of(table["published"])).any


@pytest.mark.usefixtures("every_copy_group")
def test_copies_of_one_text_alone_are_one_story_not_outliers():
    fitted = _fit(_table([("b", "zebra escapes"), ("a", "Zebra escapes."), ("c", "yak wins")]))
    assert [(s.members, s.outlier) for s in fitted.stories_] == [
        (("a", "b"), False),
        (("c",), True),
    ]


@pytest.mark.usefixtures("every_copy_group")
def test_a_text_repeated_on_later_days_is_a_new_point():
    published = pd.Series(
        pd.to_datetime(
            ["2026-02-01 08:00", "2026-02-01 20:00", "2026-02-02 09:00", "2026-02-05 08:00", None]
        )
    )
    table = _table([(f"d{k}", "Morning briefing") for k in range(5)]).assign(published=published)
    copies = find_copies(table, hours_of(table["published"]))
    # Within 24 hours of the first copy; the next day's 9:00 starts a group; undated alone.
    assert list(copies.representative) == [0, 0, 2, 3, 4]
    other = find_copies(table.iloc[::-1].reset_index(drop=True), hours_of(published[::-1]))
    assert list(other.representative) == [0, 1, 2, 4, 4]


def test_windows_keep_copies_in_one_story():
    days = [f"2026-02-{d:02d}T10:00" for d in range(1, 21)]
    rows = [
        {"id": f"w{d:02d}-{k}", "title": f"a{d * 10} Report {d}", "published": day, "lang": "en"}
        for d, day in enumerate(days)
        for k in range(2)
    ]
    rows += [
        {"id": f"copy-{k:04d}", "title": "a200 Wire story", "published": days[9], "lang": "en"}
        for k in range(500)
    ]
    table = articles_from_records(rows).articles
    clusterer = StoryClusterer(embedder=AngleEmbedder(), pair_model=None, max_distance=0.001)
    windowed = WindowedClusterer(clusterer).fit(table)
    assert len(windowed.windows_) > 1
    single = StoryClusterer(**clusterer.get_params()).fit(table)
    assert _partition(windowed) == _partition(single)
    assert windowed.stories_[0].size == 500


@pytest.mark.usefixtures("every_copy_group")
@pytest.mark.parametrize("spelling", ["a0 floods north", "A0 FLOODS, NORTH!"])
def test_copies_added_to_a_store_join_the_story_of_their_text(tmp_path, spelling):
    with StoryStore(tmp_path / "s.db", AngleEmbedder(), cosine_assigner()) as store:
        store.add(_table([("1", "a0 floods north"), ("2", "a0 floods again"), ("3", "zz fire")]))
        batch = _table([(f"c{k:04d}", spelling) for k in range(2000)])
        result = store.add(batch)
        assert {a.story for a in result.assignments} == {"st000001"}
        table = store.articles()
        assert len(table) == 2003
        assert (table.set_index("id").loc[batch["id"], "story"] == "st000001").all()
