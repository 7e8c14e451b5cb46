"""Where new articles go among stories already found: the batch clusterer, on their neighbourhood.

New articles and their nearest earlier neighbours (by vector, within a time window) are
clustered together with the same evidence and grouping as batch clustering. A local story
without earlier members opens a new story; one with earlier members joins the earlier story
it is most strongly linked to on average (see :func:`decide`). Several earlier stories in
one local story merge (into the older id) only when the average link holds between the
stories themselves and to the new articles, not through a single bridging article.

The story store (:mod:`clustering.store.assign`) and :meth:`StoryClusterer.assign
<clustering.grouping.clusterer.StoryClusterer.assign>` both place articles by these rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Self

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from clustering.evidence.features import hours_of
from clustering.grouping.graph import sparse_block
from clustering.grouping.stories import (
    ArticleColumns,
    Story,
    make_story,
    story_id,
    story_number,
    story_order,
)
from clustering.grouping.unionfind import UnionFind
from clustering.reading.articles import ARTICLE_COLUMNS
from embeddings import Embedder


class VectorIndex(Protocol):
    """The earlier articles' row numbers, times (hours) and vectors, in memory."""

    @property
    def seq(self) -> np.ndarray:
        """Row numbers in index order."""
        ...

    @property
    def hours(self) -> np.ndarray:
        """Publication times in hours (one epoch for all), NaN when undated, in index order."""
        ...

    @property
    def vectors(self) -> np.ndarray | None:
        """The unit vectors in index order, or None before any article is loaded."""
        ...

    def spans(self, low: float, high: float) -> list[tuple[int, int]]:
        """Index ranges that cover every row that may fall in [low, high]."""
        ...


#: The placement window: a new article is placed among the earlier ones published within
#: this many hours of it (the candidate window of the neighbourhood it is clustered with).
PLACEMENT_WINDOW_HOURS = 72.0


class Clusterer(Protocol):
    """What placement needs of a clusterer (a :class:`StoryClusterer`).

    It fits, and then has its stories, pair scores, minimum score and copy groups, which
    :func:`place` grows.
    """

    articles_: pd.DataFrame
    stories_: list[Story]
    labels_: np.ndarray
    outliers_: np.ndarray
    embeddings_: np.ndarray
    scores_: csr_matrix
    min_score_: float
    originals_: np.ndarray

    def fit(self, X: pd.DataFrame, y: None = None, embeddings: np.ndarray | None = None) -> Self:
        """Cluster the articles ``X`` (with their vectors ``embeddings``)."""
        ...

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The settings, to make another clusterer like this one."""
        ...

    def resolved_embedder(self) -> Embedder:
        """The embedder the clusterer uses."""
        ...


@dataclass
class Plan:
    """Per new article: its local group and status; per group, the earlier story it joins."""

    groups: list[int] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    targets: dict[int, str] = field(default_factory=dict)
    merges: list[tuple[str, str]] = field(default_factory=list)


def _mean(
    scores: csr_matrix, rows: np.ndarray, cols: np.ndarray, copies: np.ndarray | None
) -> float:
    """Average pair score between two sets of rows (pairs not kept score 0).

    With ``copies`` (each row's copy-group original), a copy scores as its original.
    """
    if copies is None:
        return float(scores[rows][:, cols].sum()) / (len(rows) * len(cols))
    left, left_counts = np.unique(copies[rows], return_counts=True)
    right, right_counts = np.unique(copies[cols], return_counts=True)
    total = left_counts @ (scores[left][:, right] @ right_counts.astype(np.float64))
    return float(total) / (len(rows) * len(cols))


def decide(
    labels: np.ndarray,
    old_story: np.ndarray,
    scores: csr_matrix,
    min_score: float,
    copies: np.ndarray | None = None,
    apart: frozenset[tuple[str, str]] = frozenset(),
) -> Plan:
    """The plan from a neighbourhood's local labels and pair scores.

    ``labels`` are the local stories of the earlier articles (the first ``len(old_story)``,
    whose stories ``old_story`` gives) and then of the new ones; ``scores`` their pair
    scores, ``min_score`` the score from which two articles may share a story. A local story's
    new articles join, of the earlier stories with members in it, the one whose members
    there have the highest average score to them (ties: the older). Another of those
    stories merges into that one only when both its average to the new articles and the
    two stories' average to each other reach ``min_score``: one strong pair is no bridge.
    ``copies`` (the clusterer's ``originals_``) lets a copy's pairs be read from its
    original's.
    ``apart`` holds pairs of earlier stories an editor kept apart: they never merge, not even
    through a third story.
    """
    count = len(old_story)
    old_labels, new_labels = labels[:count], labels[count:]
    sets: UnionFind[str] = UnionFind(story_number)
    best: dict[int, str] = {}
    for label in np.unique(new_labels):
        here = old_labels == label
        members = {
            story: np.flatnonzero(here & (old_story == story))
            for story in sorted(set(old_story[here]), key=story_number)
        }
        news = count + np.flatnonzero(new_labels == label)
        strength = {story: _mean(scores, news, rows, copies) for story, rows in members.items()}
        ranked = sorted(strength, key=lambda story: (-strength[story], story_number(story)))
        if not ranked:
            continue
        best[int(label)] = ranked[0]
        for other in ranked[1:]:
            together = _mean(scores, members[ranked[0]], members[other], copies)
            if min(strength[other], together) >= min_score and not _kept_apart(
                sets, ranked[0], other, apart
            ):
                sets.union([ranked[0], other])
    plan = Plan()
    plan.merges = sorted(
        ((s, sets.find(s)) for s in set(best.values()) | set(old_story) if sets.find(s) != s),
        key=lambda pair: (story_number(pair[0]), story_number(pair[1])),
    )
    for label in new_labels:
        group = int(label)
        plan.groups.append(group)
        if group in best:
            plan.targets[group] = sets.find(best[group])
            plan.status.append("joined")
        else:
            plan.status.append("new")
    return plan


def _kept_apart(
    sets: UnionFind[str], one: str, other: str, apart: frozenset[tuple[str, str]]
) -> bool:
    """Whether joining the sets of ``one`` and ``other`` would join a pair kept ``apart``."""
    ends = {sets.find(one), sets.find(other)}
    return len(ends) == 2 and any({sets.find(a), sets.find(b)} == ends for a, b in apart)


@dataclass(frozen=True)
class Settled:
    """A neighbourhood clustered: the plan, and the pair scores of its articles.

    ``scores`` is over the earlier articles given, then the new ones, in that order.
    """

    plan: Plan
    scores: csr_matrix


class Placer:
    """Places new articles among earlier ones by the rules of this module.

    ``window_hours`` bounds the candidates in time, ``neighbours`` is how many earlier
    articles per new one (by vector similarity) join the local clustering, ``clusterer``
    is the batch clusterer used on that neighbourhood (the store's
    :class:`~clustering.store.assign.Assigner` has a default for its model).
    """

    def __init__(
        self,
        window_hours: float = PLACEMENT_WINDOW_HOURS,
        neighbours: int = 30,
        clusterer: Clusterer | None = None,
    ) -> None:
        self.window_hours = window_hours
        self.neighbours = neighbours
        self.clusterer = clusterer

    def clusterer_for(self, embedder: Embedder) -> Clusterer:
        """The clusterer used on a neighbourhood of articles embedded by ``embedder``."""
        if self.clusterer is None:
            raise ValueError("a Placer needs a clusterer")
        return self.clusterer

    def candidates(self, vectors: np.ndarray, hours: np.ndarray, index: VectorIndex) -> np.ndarray:
        """Index positions of the earlier articles nearest to the new ones in the window.

        An article without a date (hours NaN) is in every window.
        """
        if index.vectors is None or not len(index.seq):
            return np.zeros(0, dtype=np.int64)
        spans = index.spans(hours.min() - self.window_hours, hours.max() + self.window_hours)
        positions = np.concatenate([np.arange(start, stop) for start, stop in spans])
        if not len(positions):
            return positions
        similarity = np.concatenate(
            [vectors @ index.vectors[start:stop].T for start, stop in spans], axis=1
        )
        gap = np.abs(hours[:, None] - index.hours[positions][None, :])
        near = np.isnan(gap) | (gap <= self.window_hours)
        similarity = np.where(near, similarity, -np.inf)
        k = min(self.neighbours, len(positions))
        top = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        chosen = np.unique(top[np.isfinite(np.take_along_axis(similarity, top, axis=1))])
        return positions[chosen]

    def settle(
        self,
        earlier: pd.DataFrame,
        earlier_vectors: np.ndarray,
        batch: pd.DataFrame,
        vectors: np.ndarray,
        embedder: Embedder,
        apart: frozenset[tuple[str, str]] = frozenset(),
    ) -> Settled:
        """Cluster ``earlier`` (articles with their ``story``) with ``batch`` and decide.

        ``embedder`` picks the pair model of the default clusterer (and may cache the
        second model's vectors); ``apart``: pairs of stories that never merge.
        """
        local = pd.concat(
            [earlier[list(ARTICLE_COLUMNS)], batch[list(ARTICLE_COLUMNS)]], ignore_index=True
        )
        fitted = self.clusterer_for(embedder).fit(
            local, embeddings=np.concatenate([earlier_vectors, vectors])
        )
        plan = decide(
            fitted.labels_,
            earlier["story"].to_numpy(dtype=str),
            fitted.scores_,
            fitted.min_score_,
            fitted.originals_,
            apart,
        )
        return Settled(plan, fitted.scores_)


@dataclass(frozen=True)
class _FittedIndex:
    """A fitted clusterer's articles as a :class:`VectorIndex` (one span: all of them)."""

    seq: np.ndarray
    hours: np.ndarray
    vectors: np.ndarray | None

    def spans(self, low: float, high: float) -> list[tuple[int, int]]:
        return [(0, len(self.seq))]


def _grown_scores(old: csr_matrix, settled: csr_matrix, where: np.ndarray) -> csr_matrix:
    """``old`` grown by the new articles: their pair scores from the neighbourhood.

    ``where`` maps each local row of ``settled`` to its row in the grown matrix; pairs of
    two earlier articles keep their old scores.
    """
    size = old.shape[0] + int((where >= old.shape[0]).sum())
    local = settled.tocoo()
    rows, cols = where[local.row], where[local.col]
    new = (rows >= old.shape[0]) | (cols >= old.shape[0])
    grown = csr_matrix((local.data[new], (rows[new], cols[new])), shape=(size, size))
    old = old.tocoo()
    return (grown + csr_matrix((old.data, (old.row, old.col)), shape=(size, size))).tocsr()


def place(clusterer: Clusterer, articles: pd.DataFrame, vectors: np.ndarray) -> pd.DataFrame:
    """Place ``articles`` (new, with their unit ``vectors``) among ``clusterer``'s stories.

    The fitted attributes grow by the new articles; earlier articles keep their stories
    (stories the store would merge stay apart, and the new articles join the one the
    store would keep). Returns the new articles with ``story``, ``status`` (``joined`` or
    ``new``) and ``outlier``.
    """
    old = clusterer.articles_
    clash = sorted(set(old["id"].astype(str)) & set(articles["id"].astype(str)))
    if clash:
        raise ValueError(f"article {clash[0]!r} is already in the fitted stories")
    count = len(old)
    stamps = pd.concat([old["published"], articles["published"]], ignore_index=True)
    hours = hours_of(stamps)
    index = _FittedIndex(np.arange(count), hours[:count], clusterer.embeddings_)
    placer = Placer(clusterer=type(clusterer)(**clusterer.get_params()))
    positions = placer.candidates(vectors, hours[count:], index)
    earlier = old.iloc[positions].reset_index(drop=True)
    embedder = clusterer.resolved_embedder()
    settled = placer.settle(earlier, clusterer.embeddings_[positions], articles, vectors, embedder)
    number = max((story_number(story.id) for story in clusterer.stories_), default=0)
    opened: dict[int, str] = {}
    story_of = []
    for group in settled.plan.groups:
        story = settled.plan.targets.get(group) or opened.get(group)
        if story is None:
            number += 1
            story = opened[group] = story_id(number)
        story_of.append(story)
    where = np.concatenate([positions, count + np.arange(len(articles))])
    clusterer.scores_ = _grown_scores(clusterer.scores_, settled.scores, where)
    _regroup(clusterer, articles.assign(story=story_of), vectors)
    placed = clusterer.articles_.iloc[count:].reset_index(drop=True)
    return placed.assign(status=settled.plan.status)


def _regroup(clusterer: Clusterer, added: pd.DataFrame, vectors: np.ndarray) -> None:
    """The fitted attributes with ``added`` (articles with their ``story``) appended."""
    old = clusterer.articles_
    articles = pd.concat([old, added.assign(outlier=False)], ignore_index=True)
    touched = set(added["story"])
    columns = ArticleColumns.of(articles)
    groups = articles.groupby("story", sort=False).indices
    kept = {story.id: story for story in clusterer.stories_ if story.id not in touched}
    for story in touched:
        indices = np.asarray(groups[story])
        kept[story] = make_story(
            story, indices, len(indices) == 1, columns, sparse_block(clusterer.scores_)
        )
    stories = sorted(kept.values(), key=story_order)
    position = {story.id: number for number, story in enumerate(stories)}
    clusterer.stories_ = stories
    clusterer.labels_ = articles["story"].map(position).to_numpy(dtype=np.int64)
    clusterer.outliers_ = np.array([stories[i].outlier for i in clusterer.labels_], dtype=bool)
    clusterer.articles_ = articles.assign(outlier=clusterer.outliers_)
    clusterer.embeddings_ = np.concatenate([clusterer.embeddings_, vectors])
