"""Clustering in overlapping time windows, merged into one set of stories.

Articles are split into windows of ``partition_hours`` that overlap by ``overlap_hours``; each
window is clustered on its own by :class:`StoryClusterer`, and the windows are merged: the
stories of all windows that share an article are joined (union-find), so a story that
runs across a window edge stays whole. An article that is an outlier in one window but
in a story in another joins that story; an article that is an outlier everywhere is an
outlier. Stories are then built, named and ordered as :class:`StoryClusterer` does.

Undated articles: when all dated articles fit in one window, there is one partition with
every article, which is exactly :class:`StoryClusterer`. Otherwise the undated articles
form one extra partition of their own: nothing says which window they belong to, and
putting them in every window would let them chain stories across the whole time range.

Nothing here knows how windows are run: :meth:`WindowedClusterer.fit` takes a ``runner``
(``map``-like) that the Dask engine replaces with one that runs windows on its workers.
Nor where the cascade's second model runs: with ``heads``, the heads the whole batch gives
the second model are embedded once for all windows, where ``heads`` says (the Dask
engine: on its workers, through the client's vector cache), and each window finds them
in an in-memory cache; without, each window embeds its own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from clustering.evidence.cascade import encode_heads, head_texts
from clustering.evidence.features import WHOLE_NAMES, hours_of, whole_names
from clustering.grouping.clusterer import StoryClusterer
from clustering.grouping.copies import find_copies
from clustering.grouping.estimator import Found, Progress, StoryEstimator, Vectors
from clustering.grouping.stories import Closeness, Story, build_stories
from clustering.grouping.unionfind import UnionFind
from clustering.reading.articles import ARTICLE_COLUMNS
from embeddings import CachedEmbedder, Embedder, lead, normalize
from embeddings.articles import embed_articles

#: Defaults measured on the OG2021 dev titles (``benchmarks/dask_bench.py``): 98% of its
#: gold stories span at most 3 days, so with a 3-day overlap nearly every story lies whole
#: inside some window; BCubed F1 0.723 against 0.721 for one batch (7/2 days gave 0.717).
#: A window is a partition of the articles, not the candidate window of
#: :data:`~clustering.evidence.features.CANDIDATE_WINDOW_HOURS`.
PARTITION_HOURS = 7 * 24.0
PARTITION_OVERLAP_HOURS = 3 * 24.0


@dataclass(frozen=True)
class KnownHeads:
    """Second-model vectors of some articles' heads, made once for every window."""

    #: The version of the model that made them (the vector cache's key).
    version: str
    texts: list[str]
    vectors: np.ndarray

    def serving(self, embedder: Embedder) -> CachedEmbedder:
        """``embedder`` over an in-memory cache holding the heads.

        A clusterer with it finds the heads there when it shares the cache with its second
        model (:meth:`CachedEmbedder.sharing`), and embeds only the others.
        """
        cached = CachedEmbedder(embedder, connection=sqlite3.connect(":memory:"))
        cached.put(self.texts, self.vectors, self.version)
        return cached


#: A window's articles (an article table), their vectors in the same order, and the heads
#: of its articles made for every window (None: the window embeds its own).
WindowInput = tuple[pd.DataFrame, np.ndarray, KnownHeads | None]
#: Runs a function over items, like the builtin ``map``, and returns the results in order.
Runner = Callable[[Callable[..., Any], Sequence[Any]], Iterable[Any]]

_HOUR = np.timedelta64(1, "h").astype("timedelta64[ns]")


def _check(partition_hours: float, overlap_hours: float) -> None:
    if not partition_hours > 0:
        raise ValueError(f"partition_hours must be positive, got {partition_hours!r}")
    if not 0 <= overlap_hours < partition_hours:
        raise ValueError(
            f"overlap_hours must be at least 0 and less than partition_hours "
            f"({partition_hours!r}), got {overlap_hours!r}"
        )


def split_windows(
    published: pd.Series,
    partition_hours: float = PARTITION_HOURS,
    overlap_hours: float = PARTITION_OVERLAP_HOURS,
) -> list[np.ndarray]:
    """Row positions of each partition, windows in time order, then the undated rows.

    Window ``k`` holds the articles published in ``[t0 + k·step, t0 + k·step + window)``,
    where ``t0`` is midnight before the first publication and ``step = window − overlap``;
    windows stop once one reaches past the last publication, and empty ones are dropped.
    """
    _check(partition_hours, overlap_hours)
    stamps = pd.to_datetime(published).to_numpy(dtype="datetime64[ns]")
    known = ~np.isnat(stamps)
    undated = np.flatnonzero(~known)
    dated = np.flatnonzero(known)
    if not len(dated):
        return [undated] if len(undated) else []
    width = int(partition_hours * _HOUR.astype(np.int64))
    step = int((partition_hours - overlap_hours) * _HOUR.astype(np.int64))
    start = stamps[dated].min().astype("datetime64[D]").astype("datetime64[ns]")
    offset = (stamps[dated] - start).astype(np.int64)
    last = max(0, (int(offset.max()) - width) // step + 1)
    windows = []
    for k in range(last + 1):
        inside = (offset >= k * step) & (offset < k * step + width)
        if inside.any():
            windows.append(dated[inside])
    if len(windows) == 1:
        return [np.arange(len(stamps))]
    return [*windows, undated] if len(undated) else windows


def cluster_window(clusterer: StoryClusterer, window: WindowInput) -> list[Story]:
    """The stories of one window: a new clusterer with ``clusterer``'s settings, fitted on it.

    The embedder object is shared, not copied (a loaded model may not be copyable).
    """
    articles, vectors, heads = window
    return _copy(clusterer, heads).fit(articles, embeddings=vectors).stories_


def _copy(clusterer: StoryClusterer, heads: KnownHeads | None) -> StoryClusterer:
    """A new clusterer with ``clusterer``'s settings that finds ``heads`` made already."""
    fresh = type(clusterer)(**clusterer.get_params(deep=False))
    if heads is not None:
        fresh.set_params(embedder=heads.serving(fresh.resolved_embedder()))
    return fresh


def merge_windows(
    articles: pd.DataFrame,
    windows: Iterable[Sequence[Story]],
    closeness: Closeness,
    original_of: np.ndarray | None = None,
) -> tuple[list[Story], np.ndarray]:
    """One set of stories from the stories of every window; each article's index into it.

    Stories that share an article are joined. A final story with exactly the members of a
    window story keeps that story's most central member; a story joined from several
    picks its centre from ``closeness``, since no single window saw all its pairs.
    ``original_of`` (each article's copy-group original, see
    :mod:`clustering.grouping.copies`) keeps every group of copies in one story, and
    ``closeness`` is asked about originals only.
    """
    ids = articles["id"].to_numpy(dtype=str)
    position = {ident: i for i, ident in enumerate(ids)}
    if len(position) != len(ids):
        raise ValueError("article ids must be unique")
    seen = np.zeros(len(ids), dtype=bool)
    placed = np.zeros(len(ids), dtype=bool)
    sets: UnionFind[int] = UnionFind()
    centres: dict[tuple[str, ...], Story] = {}
    for stories in windows:
        for story in stories:
            members = [position[ident] for ident in story.members]
            seen[members] = True
            if not story.outlier:
                placed[members] = True
                sets.union(members)
                centres.setdefault(story.members, story)
    if original_of is not None:
        by_original = np.argsort(original_of, kind="stable")
        bounds = np.flatnonzero(np.diff(original_of[by_original])) + 1
        for group in np.split(by_original, bounds):
            if len(group) > 1:
                placed[group] = True
                sets.union(group.tolist())
    if not seen.all():
        raise ValueError(f"article {str(ids[np.flatnonzero(~seen)[0]])!r} is in no window")
    groups = np.array(
        [sets.find(i) if placed[i] else len(ids) + i for i in range(len(ids))], dtype=np.int64
    )
    stories, labels = build_stories(groups, ~placed, articles, closeness, original_of)
    for number, story in enumerate(stories):
        known = centres.get(story.members)
        if known is not None:
            stories[number] = replace(
                story,
                representative=known.representative,
                title=known.title,
                confidence=known.confidence,
            )
    covered = sorted(ident for story in stories for ident in story.members)
    if covered != sorted(ids):
        raise RuntimeError("merged windows lost or repeated an article: this is a bug")
    return stories, labels


class WindowedClusterer(StoryEstimator):
    """:class:`StoryClusterer` run in overlapping time windows, then merged.

    ``clusterer`` is the estimator each window gets a copy of (default settings when
    None); ``runner`` runs the windows (``map``-like; default: here, in turn); ``heads``
    makes the cascade's second model by name, to embed the heads the whole batch gives it
    once for all windows (default: each window embeds its own). Fitted attributes
    are those of :class:`StoryClusterer`, and ``windows_`` holds the row positions of each
    partition.
    """

    def __init__(
        self,
        clusterer: StoryClusterer | None = None,
        partition_hours: float = PARTITION_HOURS,
        overlap_hours: float = PARTITION_OVERLAP_HOURS,
        runner: Runner | None = None,
        heads: Callable[[str], Embedder] | None = None,
    ) -> None:
        self.clusterer = clusterer
        self.partition_hours = partition_hours
        self.overlap_hours = overlap_hours
        self.runner = runner
        self.heads = heads

    def _stories(self, articles: pd.DataFrame, vectors: Vectors, progress: Progress) -> Found:
        """Cluster window by window and merge the windows' stories."""
        _check(self.partition_hours, self.overlap_hours)
        clusterer = self.clusterer if self.clusterer is not None else StoryClusterer()
        embeddings = vectors
        if embeddings is None:
            embeddings = embed_articles(articles, clusterer.resolved_embedder(), progress)
        self.windows_ = split_windows(
            articles["published"], self.partition_hours, self.overlap_hours
        )
        # A window needs titles, leads, dates and languages with the vectors, not the
        # bodies: the pair evidence reads names in the lead, the names of the whole text,
        # and whether there is a body.
        light = articles[list(ARTICLE_COLUMNS)].assign(text=[lead(t) for t in articles["text"]])
        light[WHOLE_NAMES] = whole_names(list(articles["title"]), list(articles["text"]))
        rows_of, heads = self._known_heads(articles, light, normalize(embeddings), clusterer)
        inputs = [
            (
                light.iloc[rows].reset_index(drop=True),
                embeddings[rows],
                _window_heads(heads, rows_of[rows]) if heads else None,
            )
            for rows in self.windows_
        ]
        run = self.runner if self.runner is not None else map
        results = run(lambda window: cluster_window(clusterer, window), inputs)
        unit = normalize(embeddings)
        copies = find_copies(articles, hours_of(articles["published"]), unit)
        closer = clusterer if heads is None else _copy(clusterer, heads)
        named = articles.copy(deep=False)  # the merge reads the names the windows had
        named[WHOLE_NAMES] = light[WHOLE_NAMES].to_numpy()
        closeness = closer.closeness(named, embeddings)
        stories, labels = merge_windows(articles, results, closeness, copies.original_of)
        return stories, labels, unit

    def _known_heads(
        self,
        articles: pd.DataFrame,
        light: pd.DataFrame,
        unit: np.ndarray,
        clusterer: StoryClusterer,
    ) -> tuple[np.ndarray, KnownHeads | None]:
        """The heads the windows would embed, made once; each row's index into them (or -1).

        Those the cascade gives its second model in the whole batch, as the merge's
        closeness reads it: the articles with a body (what a window sees of a body is its
        lead, as here), and the headlines in languages the first model lacks with their
        neighbours (all headlines in a batch of at most ``second_up_to``). A window embeds
        only the others it gives the second model. The merge reads the whole body: where
        its head is not the lead's (a short first sentence, then one longer than a lead),
        that head is made too, after those of the windows.
        """
        rows_of = np.full(len(light), -1, dtype=np.int64)
        embedder = clusterer.resolved_embedder()
        cascade = clusterer.cascade(embedder)
        name = cascade.second_model() if cascade is not None else None
        if self.heads is None or cascade is None or name is None:
            return rows_of, None
        rows = clusterer.second_rows(light, unit, cascade)
        if not len(rows):
            return rows_of, None
        rows_of[rows] = np.arange(len(rows))
        second = self.heads(name)
        texts = head_texts(light, rows)
        whole = [w for w, t in zip(head_texts(articles, rows), texts, strict=True) if w != t]
        texts += whole
        return rows_of, KnownHeads(second.version, texts, encode_heads(texts, second))


def _window_heads(heads: KnownHeads, indices: np.ndarray) -> KnownHeads | None:
    """The known heads of a window's articles (``indices`` into ``heads``, -1 for none)."""
    indices = indices[indices >= 0]
    if not len(indices):
        return None
    return KnownHeads(heads.version, [heads.texts[i] for i in indices], heads.vectors[indices])
