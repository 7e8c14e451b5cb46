"""Stories as results: typed records built from cluster labels."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import issparse


@dataclass(frozen=True)
class Story:
    """One story: the articles that report one event.

    ``outlier`` marks a story of one article that HDBSCAN could not place; ``representative``
    is the most central member: the highest mean P(same story) with the other members (or
    cosine, without a pair model), ties to the smallest id.

    ``confidence`` holds, for each member in the order of ``members``, its score with the
    representative from the same evidence that picked it: P(same story) (the cosine
    without a pair model), 1.0 for the representative itself, 0.0 for a pair the
    evidence did not keep (P below 0.01, or published too far apart to be compared).
    A story of one article has none (an empty tuple), nor has a hand-made story.
    """

    id: str
    members: tuple[str, ...]
    outlier: bool
    representative: str
    title: str
    languages: tuple[str, ...]
    first_published: pd.Timestamp | None
    last_published: pd.Timestamp | None
    confidence: tuple[float, ...] = ()

    @property
    def size(self) -> int:
        """Number of articles in the story."""
        return len(self.members)


#: Pairwise closeness of the articles at some indices, as a square block in their order
#: (dense, or a scipy sparse matrix holding the pairs that were kept).
Closeness = Callable[[np.ndarray], Any]


def story_id(number: int) -> str:
    """The id of story ``number`` (from 1): ``S1``, ``S2`` and on, in a batch and a store."""
    return f"S{number}"


def story_number(story: str) -> int:
    """The number in a story id (``S7`` → 7): the smaller, the older.

    Reads the ids of stores made before ids were ``S7`` too (``st000042`` → 42).
    """
    return int(re.sub(r"^\D+", "", story))


def story_order(story: Story) -> tuple[int, bool, float, str]:
    """The sort key of stories everywhere: largest first, then the most recent, then id.

    "Most recent" is the latest publication; undated stories come after dated ones of the
    same size; last, the smallest member id decides.
    """
    newest = story.last_published
    return (
        -story.size,
        newest is None,
        -newest.value if newest is not None else 0.0,
        story.members[0],
    )


def confidence_by_id(stories: Iterable[Story]) -> dict[str, float]:
    """Each article's :attr:`Story.confidence`, by id (articles without one are left out)."""
    return {
        member: value
        for story in stories
        for member, value in zip(story.members, story.confidence, strict=False)
    }


def _representative(
    indices: np.ndarray, closeness: Closeness, ids: np.ndarray, original_of: np.ndarray | None
) -> tuple[int, tuple[float, ...]]:
    """The most central of some articles (its position), and each one's score with it.

    Ties go to the smallest id. With ``original_of`` (each article's copy-group original,
    see :mod:`.copies`), a copy scores as its original and an original counts once per
    copy, so ``closeness`` is asked about originals only: a story of 20,000 copies is one
    cell.
    """
    if len(indices) == 1:
        return 0, ()
    if original_of is None:
        points, point_of, counts = indices, np.arange(len(indices)), None
    else:
        points, point_of, counts = np.unique(
            original_of[indices], return_inverse=True, return_counts=True
        )
    block = closeness(points)  # dense, or sparse with the pairs kept
    totals = block.sum(axis=1) if counts is None else block @ counts.astype(np.float64)
    centrality = (np.asarray(totals).ravel() - 1.0) / (len(indices) - 1)
    best = np.flatnonzero(np.isclose(centrality, centrality.max(), rtol=0, atol=1e-9))
    candidates = np.flatnonzero(np.isin(point_of, best))
    centre = int(min(candidates, key=lambda i: ids[indices[i]]))
    row = block[point_of[centre]]
    scores = np.asarray(row.toarray() if issparse(row) else row, dtype=np.float64).ravel()
    # rounded as distances are, so the batch a score was computed in does not show
    return centre, tuple(round(float(scores[point]), 6) for point in point_of)


@dataclass(frozen=True)
class ArticleColumns:
    """The article-table columns a story is built from, as arrays (fast to index)."""

    ids: np.ndarray
    titles: np.ndarray
    langs: np.ndarray
    published: np.ndarray

    @classmethod
    def of(cls, articles: pd.DataFrame) -> ArticleColumns:
        """The columns of an article table."""
        return cls(
            ids=articles["id"].to_numpy(dtype=str),
            titles=articles["title"].to_numpy(dtype=object),
            langs=articles["lang"].to_numpy(dtype=object),
            published=pd.to_datetime(articles["published"]).to_numpy(dtype="datetime64[ns]"),
        )


def _timestamp(value: np.datetime64) -> pd.Timestamp | None:
    return None if np.isnat(value) else pd.Timestamp(value)


def make_story(
    story_id: str,
    indices: np.ndarray,
    outlier: bool,
    columns: ArticleColumns,
    closeness: Closeness,
    original_of: np.ndarray | None = None,
) -> Story:
    """The :class:`Story` of the articles at ``indices``; ``closeness`` picks the centre.

    ``original_of`` gives each article its copy group's original (see
    :func:`_representative`).
    """
    ids = columns.ids
    indices = indices[np.argsort(ids[indices], kind="stable")]
    times = columns.published[indices]
    times = times[~np.isnat(times)]
    centre, confidence = _representative(indices, closeness, ids, original_of)
    centre = int(indices[centre])
    langs = {str(lang) for lang in columns.langs[indices] if isinstance(lang, str)}
    return Story(
        id=story_id,
        members=tuple(str(ids[i]) for i in indices),
        outlier=outlier,
        representative=str(ids[centre]),
        title=str(columns.titles[centre]),
        languages=tuple(sorted(langs)),
        first_published=_timestamp(times.min()) if len(times) else None,
        last_published=_timestamp(times.max()) if len(times) else None,
        confidence=confidence,
    )


def build_stories(
    groups: np.ndarray,
    outlier: np.ndarray,
    articles: pd.DataFrame,
    closeness: Closeness,
    original_of: np.ndarray | None = None,
) -> tuple[list[Story], np.ndarray]:
    """Stories from per-article group numbers, in :func:`story_order`, named S1, S2 and on.

    ``closeness`` gives blocks of the pair scores that pick each story's most central
    member; with ``original_of`` (each article's copy-group original, a row number) it is
    asked about originals only. Returns the stories and each article's index into them.
    """
    columns = ArticleColumns.of(articles)
    by_group = np.lexsort((columns.ids, groups))
    bounds = np.flatnonzero(np.diff(groups[by_group])) + 1
    drafts = []
    for indices in np.split(by_group, bounds) if len(by_group) else []:
        lone = bool(len(indices) == 1 and outlier[indices[0]])
        drafts.append((make_story("", indices, lone, columns, closeness, original_of), indices))
    drafts.sort(key=lambda draft: story_order(draft[0]))
    stories: list[Story] = []
    index_of = np.empty(len(columns.ids), dtype=np.int64)
    for number, (story, indices) in enumerate(drafts):
        stories.append(replace(story, id=story_id(number + 1)))
        index_of[indices] = number
    return stories, index_of
