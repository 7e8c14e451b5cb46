"""Where new articles go in a story store: the batch clusterer, run on their neighbourhood.

New articles and their nearest stored neighbours (by vector, within a time window) are
clustered together with the same evidence and HDBSCAN as batch clustering. A local story
with stored members joins their story; one whose stored members come from several stories
merges them into the oldest (the new articles bridge them); one without stored members
opens a new story. Stored articles never move except by a merge, so ids stay stable.
"""

from __future__ import annotations

import sqlite3
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from clustering.clusterer import StoryClusterer

_SMALL_BATCH = 64
_FIELDS = ("id", "title", "text", "published", "lang", "source", "url", "path")


class VectorIndex(Protocol):
    """The stored articles' row numbers, times (hours) and vectors, in memory."""

    seq: np.ndarray
    hours: np.ndarray
    vectors: np.ndarray | None


@dataclass
class Plan:
    """Per new article: its local group and status; per group, the stored story it joins."""

    groups: list[int] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    targets: dict[int, str] = field(default_factory=dict)
    merges: list[tuple[str, str]] = field(default_factory=list)


def _oldest(stories: set[str]) -> str:
    """Story ids are ``st`` and a zero-padded counter, so the smallest is the oldest."""
    return min(stories)


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

    def candidates(self, vectors: np.ndarray, hours: np.ndarray, index: VectorIndex) -> np.ndarray:
        """Row numbers (``seq``) of the stored articles nearest to the new ones in the window.

        An article without a date (hours NaN) is in every window.
        """
        if index.vectors is None or not len(index.seq):
            return np.zeros(0, dtype=np.int64)
        undated = np.isnan(index.hours)
        if np.isnan(hours).any():
            window = np.arange(len(index.seq))
        else:
            low, high = hours.min() - self.window_hours, hours.max() + self.window_hours
            window = np.flatnonzero(undated | ((index.hours >= low) & (index.hours <= high)))
        if not len(window):
            return np.zeros(0, dtype=np.int64)
        similarity = vectors @ index.vectors[window].T
        gap = np.abs(hours[:, None] - index.hours[window][None, :])
        near = np.isnan(gap) | (gap <= self.window_hours)
        similarity = np.where(near, similarity, -np.inf)
        k = min(self.neighbours, len(window))
        top = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        chosen = np.unique(top[np.isfinite(np.take_along_axis(similarity, top, axis=1))])
        return index.seq[window[chosen]]

    def plan(
        self,
        batch: pd.DataFrame,
        vectors: np.ndarray,
        hours: np.ndarray,
        index: VectorIndex,
        db: sqlite3.Connection,
    ) -> Plan:
        """Decide the story of every article of ``batch`` (all new to the store).

        Small batches run BLAS on one thread: for matrices of a few dozen rows, waking a
        second thread costs more than it saves (milliseconds on a busy machine).
        """
        small = len(batch) <= _SMALL_BATCH
        with threadpool_limits(limits=1) if small else nullcontext():
            seqs = self.candidates(vectors, hours, index)
            stored, stored_vectors = _load(db, seqs, vectors.shape[1])
            local = pd.concat(
                [stored.drop(columns="story"), batch[list(_FIELDS)]], ignore_index=True
            )
            clusterer = self.clusterer or StoryClusterer()
            labels = clusterer.fit(
                local, embeddings=np.concatenate([stored_vectors, vectors])
            ).labels_
        old_labels, new_labels = labels[: len(stored)], labels[len(stored) :]
        old_story = stored["story"].to_numpy(dtype=str)
        parent: dict[str, str] = {}

        def find(story: str) -> str:
            while parent.get(story, story) != story:
                story = parent[story]
            return story

        joined: dict[int, set[str]] = {}
        for label in np.unique(new_labels):
            linked = set(old_story[old_labels == label])
            if linked:
                joined[int(label)] = linked
                target = _oldest(linked)
                for story in linked:
                    a, b = find(story), find(target)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
        plan = Plan()
        merged = {story for stories in joined.values() for story in stories}
        plan.merges = sorted((s, find(s)) for s in merged if find(s) != s)
        for label in new_labels:
            group = int(label)
            plan.groups.append(group)
            if group in joined:
                plan.targets[group] = find(_oldest(joined[group]))
                plan.status.append("joined")
            else:
                plan.status.append("new")
        return plan


def _load(db: sqlite3.Connection, seqs: np.ndarray, dim: int) -> tuple[pd.DataFrame, np.ndarray]:
    """The stored candidates as an article table with ``story``, and their vectors."""
    if not len(seqs):
        empty = pd.DataFrame({name: pd.Series(dtype=object) for name in (*_FIELDS, "story")})
        return empty, np.zeros((0, dim), dtype=np.float32)
    marks = ",".join("?" * len(seqs))
    rows = db.execute(
        f"SELECT {', '.join(_FIELDS)}, story, vector FROM articles WHERE seq IN ({marks}) "
        "ORDER BY seq",
        [int(s) for s in seqs],
    ).fetchall()
    frame = pd.DataFrame([row[:-1] for row in rows], columns=[*_FIELDS, "story"])
    frame["published"] = pd.to_datetime(frame["published"])
    vectors = np.stack([np.frombuffer(row[-1], dtype=np.float32) for row in rows])
    return frame, vectors
