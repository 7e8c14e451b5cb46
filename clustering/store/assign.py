"""Where new articles go in a story store: the batch clusterer, run on their neighbourhood.

New articles and their nearest stored neighbours (by vector, within a time window) are
clustered together with the same evidence and grouping as batch clustering. A local story
without stored members opens a new story; one with stored members joins the stored story
it is most strongly linked to on average (see :func:`decide`). Several stored stories in
one local story merge (into the older id) only when the average link holds between the
stories themselves and to the new articles, not through a single bridging article: a
merge is never undone, so the rule keeps the early wrong merge from being made instead
of splitting stories later. Stored articles never move except by a merge, so ids stay
stable.
"""

from __future__ import annotations

import sqlite3
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from threadpoolctl import ThreadpoolController

from clustering.grouping.clusterer import StoryClusterer
from clustering.grouping.unionfind import UnionFind
from clustering.reading.articles import ARTICLE_COLUMNS
from embeddings import CachedEmbedder, Embedder

_SMALL_BATCH = 64


class VectorIndex(Protocol):
    """The stored articles' row numbers, times (hours) and vectors, in memory."""

    @property
    def seq(self) -> np.ndarray:
        """Row numbers (``articles.seq``) in index order."""
        ...

    @property
    def hours(self) -> np.ndarray:
        """Publication times in hours since 1970, NaN when undated, in index order."""
        ...

    @property
    def vectors(self) -> np.ndarray | None:
        """The unit vectors in index order, or None before any article is loaded."""
        ...

    def spans(self, low: float, high: float) -> list[tuple[int, int]]:
        """Index ranges that cover every row that may fall in [low, high]."""
        ...


@cache
def _threadpools() -> ThreadpoolController:
    """The BLAS and OpenMP thread pools, found once (finding them takes milliseconds)."""
    return ThreadpoolController()


@dataclass
class Plan:
    """Per new article: its local group and status; per group, the stored story it joins."""

    groups: list[int] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    targets: dict[int, str] = field(default_factory=dict)
    merges: list[tuple[str, str]] = field(default_factory=list)


def story_number(story: str) -> int:
    """The counter in a stored story id (``st000042`` → 42): the smaller, the older."""
    return int(story.removeprefix("st"))


class Assigner:
    """Plans assignments for new articles.

    ``window_hours`` bounds the candidates in time, ``neighbours`` is how many stored
    articles per new one (by vector similarity) join the local clustering, ``clusterer``
    is the batch clusterer used on that neighbourhood (default settings when None).
    """

    def __init__(
        self,
        window_hours: float = 72.0,
        neighbours: int = 30,
        clusterer: StoryClusterer | None = None,
    ) -> None:
        self.window_hours = window_hours
        self.neighbours = neighbours
        self.clusterer = clusterer

    def clusterer_for(self, embedder: Embedder) -> StoryClusterer:
        """The clusterer used on a neighbourhood: the one given, or the default for the model."""
        return self.clusterer or StoryClusterer(embedder=embedder)

    def candidates(self, vectors: np.ndarray, hours: np.ndarray, index: VectorIndex) -> np.ndarray:
        """Index positions of the stored articles nearest to the new ones in the window.

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

    def plan(
        self,
        batch: pd.DataFrame,
        vectors: np.ndarray,
        hours: np.ndarray,
        index: VectorIndex,
        db: sqlite3.Connection,
        embedder: Embedder,
    ) -> Plan:
        """Decide the story of every article of ``batch`` (all new to the store).

        ``embedder`` is the store's model: it picks the pair model of the default clusterer.
        The second model's vectors that clusterer makes are kept in the store (``db``), so
        a stored article's are made once, not at every add that has it as a neighbour.

        Small batches run BLAS on one thread: for matrices of a few dozen rows, waking a
        second thread costs more than it saves (milliseconds on a busy machine).
        """
        small = len(batch) <= _SMALL_BATCH
        with _threadpools().limit(limits=1) if small else nullcontext():
            positions = self.candidates(vectors, hours, index)
            stored = _load(db, index.seq[positions])
            known = index.vectors if index.vectors is not None else vectors[:0]
            stored_vectors = known[positions] if len(positions) else vectors[:0]
            local = pd.concat(
                [stored.drop(columns="story"), batch[list(ARTICLE_COLUMNS)]], ignore_index=True
            )
            fitted = self.clusterer_for(CachedEmbedder(embedder, connection=db)).fit(
                local, embeddings=np.concatenate([stored_vectors, vectors])
            )
        return decide(
            fitted.labels_,
            stored["story"].to_numpy(dtype=str),
            fitted.scores_,
            fitted.link_,
            fitted.copies_,
        )


def _mean(
    scores: csr_matrix, rows: np.ndarray, cols: np.ndarray, copies: np.ndarray | None
) -> float:
    """Average pair score between two sets of rows (pairs not kept score 0).

    With ``copies`` (each row's copy-group point), a copy scores as its point.
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
    link: float,
    copies: np.ndarray | None = None,
) -> Plan:
    """The plan from a neighbourhood's local labels and pair scores.

    ``labels`` are the local stories of the stored articles (the first ``len(old_story)``,
    whose stored stories ``old_story`` gives) and then of the new ones; ``scores`` their
    pair scores, ``link`` the score from which two articles may share a story. A local
    story's new articles join, of the stored stories with members in it, the one whose
    members there have the highest average score to them (ties: the older). Another of
    those stories merges into that one only when both its average to the new articles and
    the two stories' average to each other reach ``link``: one strong pair is no bridge.
    ``copies`` (the clusterer's ``copies_``) lets a copy's pairs be read from its point's.
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
            if (
                min(strength[other], _mean(scores, members[ranked[0]], members[other], copies))
                >= link
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


def _load(db: sqlite3.Connection, seqs: np.ndarray) -> pd.DataFrame:
    """The stored articles at row numbers ``seqs`` (in that order) with their ``story``."""
    marks = ",".join("?" * len(seqs))
    found = {
        row[0]: row[1:]
        for row in db.execute(
            f"SELECT seq, {', '.join(ARTICLE_COLUMNS)}, story FROM articles WHERE seq IN ({marks})",
            [int(s) for s in seqs],
        )
    }
    frame = pd.DataFrame([found[int(s)] for s in seqs], columns=[*ARTICLE_COLUMNS, "story"])
    frame["published"] = pd.to_datetime(frame["published"], format="ISO8601")
    return frame
