"""Where new articles go in a story store: the rules of :mod:`clustering.grouping.placement`.

New articles and their nearest stored neighbours (by vector, within a time window) are
clustered together with the same evidence and grouping as batch clustering; a local story
joins the stored story it is most strongly linked to on average, or opens a new one, and
stored stories merge (into the older id) only when the average link holds between them
and no editor's correction keeps them apart (:mod:`clustering.store.separations`).
A merge is never undone, so the rule keeps the early wrong merge from being made instead
of splitting stories later. Stored articles never move except by a merge or an editor's
correction (:mod:`clustering.store.corrections`), so ids stay stable.
"""

from __future__ import annotations

import sqlite3
from contextlib import nullcontext

import numpy as np
import pandas as pd

from clustering.grouping.clusterer import StoryClusterer
from clustering.grouping.placement import Placer, Plan, VectorIndex
from clustering.reading.articles import ARTICLE_COLUMNS
from clustering.store.separations import stories_kept_apart
from embeddings import CachedEmbedder, Embedder
from embeddings.threads import one_thread

_SMALL_BATCH = 64


class Assigner(Placer):
    """Plans assignments for new articles of a store (see :class:`Placer` for the settings)."""

    clusterer: StoryClusterer | None

    def clusterer_for(self, embedder: Embedder) -> StoryClusterer:
        """The clusterer used on a neighbourhood: the one given, or the default for the model."""
        return self.clusterer or StoryClusterer(embedder=embedder)

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
        with one_thread() if small else nullcontext():
            positions = self.candidates(vectors, hours, index)
            stored = _load(db, index.seq[positions])
            known = index.vectors if index.vectors is not None else vectors[:0]
            stored_vectors = known[positions] if len(positions) else vectors[:0]
            embedder = CachedEmbedder(embedder, connection=db)
            apart = stories_kept_apart(db, set(stored["story"]))
            settled = self.settle(stored, stored_vectors, batch, vectors, embedder, apart)
        return settled.plan


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
