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
    ("flood-1", "a140 River floods the north"),
    ("flood-2", "a141 Floods reach the capital"),
    ("flood-3", "a142 Flood waters recede"),
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


@pytest.fixture
def graph_sizes(monkeypatch) -> list[int]:
    """The number of points of each candidate graph the clusterer builds, as it builds them."""
    seen: list[int] = []
    build = clusterer_module.candidate_graph

    def recorded(scorer, window_hours):
        seen.append(len(scorer))
        return build(scorer, window_hours)

    monkeypatch.setattr(clusterer_module, "candidate_graph", recorded)
    return seen


def test_thousands_of_copies_are_one_point_and_one_story(graph_sizes):
    table = _copies_and_others()
    fitted = _fit(table)
    assert graph_sizes == [1 + len(OTHERS)]  # one point for the copies and their near copies
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
    assert (fitted.originals_[: COPIES + VARIANTS] == 0).all()  # every copy stands with the first
    assert list(fitted.originals_[COPIES + VARIANTS :]) == list(
        range(COPIES + VARIANTS, len(table))
    )
    assert fitted.scores_.shape == (len(table), len(table))
    assert fitted.scores_[1].nnz == 0  # a copy's pairs are its point's


def test_copies_do_not_depend_on_input_order():
    table = _copies_and_others()
    order = np.random.default_rng(3).permutation(len(table))
    first, again = _fit(table), _fit(table.iloc[order])
    assert again.stories_ == first.stories_
    ids = table["id"].to_numpy()[order]
    originals = ids[again.originals_]
    assert set(originals[np.char.startswith(ids.astype(str), "copy-")]) == {"copy-00000"}


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
    assert list(copies.original_of) == [0, 0, 2, 3, 4]
    other = find_copies(table.iloc[::-1].reset_index(drop=True), hours_of(published[::-1]))
    assert list(other.original_of) == [0, 1, 2, 4, 4]


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
        assert {a.story for a in result.assignments} == {"S1"}
        table = store.articles()
        assert len(table) == 2003
        assert (table.set_index("id").loc[batch["id"], "story"] == "S1").all()


def _near_copies(count: int, lang: str = "en", published: str = "2026-02-06T10:00") -> list[dict]:
    """``count`` different texts of one report, vectors 0 to 4 degrees apart (cosine ≥ 0.997)."""
    return [
        {
            "id": f"near-{lang}-{k:05d}",
            "title": f"a{10 + k % 5} Quake hits the city, buildings down in the old town, {k}",
            "published": published,
            "lang": lang,
        }
        for k in range(count)
    ]


def test_thousands_of_near_copies_are_one_point_and_one_story(graph_sizes):
    records = _near_copies(2000) + [
        {"id": i, "title": t, "published": "2026-02-06T10:00", "lang": "en"} for i, t in OTHERS
    ]
    table = articles_from_records(records).articles
    fitted = _fit(table)
    assert graph_sizes == [1 + len(OTHERS)]
    assert _partition(fitted) == sorted(
        [
            sorted(table["id"][:2000]),
            ["flood-1", "flood-2", "flood-3"],
            ["vote-1", "vote-2"],
            ["lone-1"],
            ["lone-2"],
        ]
    )
    order = np.random.default_rng(5).permutation(len(table))
    assert _fit(table.iloc[order]).stories_ == fitted.stories_


def _groups(records: list[dict]) -> list[list[str]]:
    """The copy groups of some articles, as sorted id lists (vectors of the angle fake)."""
    table = articles_from_records(records).articles
    vectors = AngleEmbedder().encode(list(table["title"]))
    copies = find_copies(table, hours_of(table["published"]), vectors)
    ids = table["id"].to_numpy()
    return sorted(sorted(ids[copies.group_of == g]) for g in range(len(copies.originals)))


def test_near_copies_need_one_language_one_day_and_alike_vectors():
    count = copies_module.MIN_COPIES
    later = _near_copies(count, published="2026-02-07T10:01")  # 24 h 1 min after the first
    for row in later:
        row["id"] = row["id"].replace("near-", "late-")
    far = [
        {
            "id": f"far-{k:02d}",
            "title": f"a{40 + k % 2} Floods reach the capital, many leave",
            "published": "2026-02-06T11:00",
        }
        for k in range(count)
    ]  # 30 degrees from the quake: cosine 0.87
    undated = [dict(row, id=f"undated-{k:02d}", published=None) for k, row in enumerate(far)]
    records = _near_copies(count) + _near_copies(count, lang="fr") + later + far + undated
    groups = _groups(records)
    assert [len(group) for group in groups] == [count] * 4 + [1] * count
    assert [group[0] for group in groups[:4]] == [
        "far-00",
        "late-en-00000",
        "near-en-00000",
        "near-fr-00000",
    ]


def test_near_copies_join_the_group_of_the_first_copy_within_a_day():
    first = _near_copies(5, published="2026-02-06T10:00")
    second = [dict(r, id=r["id"] + "-b", published="2026-02-07T09:00") for r in first]
    third = [dict(r, id=r["id"] + "-c", published="2026-02-07T11:00") for r in first]
    # 10:00 and 09:00 the next day are one group; 11:00 is 25 hours after its first copy.
    assert [len(group) for group in _groups(first + second + third)] == [10, 1, 1, 1, 1, 1]


def test_near_copies_share_most_of_their_words_not_only_a_vector():
    count = copies_module.MIN_COPIES
    records = [
        {"id": f"{verb}-{k:02d}", "title": f"a10 Apple shares {verb} 5%", "lang": "en"}
        for verb in ("rise", "fall")
        for k in range(count)
    ]  # one vector for both: the words tell them apart
    for record in records:
        record["published"] = "2026-02-06T10:00"
    assert [len(group) for group in _groups(records)] == [count, count]


def test_near_copies_of_a_flood_meet_a_bounded_number_of_earlier_groups(monkeypatch):
    """10,000 different same-day texts: each chunk meets at most NEAR_ORIGINALS groups."""
    n = 10_000
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(n, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    widths = []
    alike = copies_module._alike

    def recording(rows, cols, *rest):
        widths.append(len(cols))
        return alike(rows, cols, *rest)

    monkeypatch.setattr(copies_module, "_alike", recording)
    articles = pd.DataFrame(
        {
            "id": [f"e{k:05d}" for k in range(n)],
            "title": [f"Entry {k} about the Geneva talks" for k in range(n)],
            "text": "",
            "lang": "en",
        }
    )
    hours = np.linspace(0.0, 12.0, n)
    found = copies_module.find_copies(articles, hours, vectors)
    assert len(found.originals) == n  # random vectors: no near copies
    assert max(widths) == copies_module.NEAR_ORIGINALS < n
