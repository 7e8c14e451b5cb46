"""One call from inputs to stories: load, embed (through the cache), cluster."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from clustering.grouping.clusterer import StoryClusterer
from clustering.grouping.result import ClusterResult
from clustering.reading.loaders import load_articles
from embeddings import Embedder, make_embedder


def cluster_paths(
    paths: Iterable[str | os.PathLike[str]],
    embedder: Embedder | None = None,
    skip_bad: bool = False,
    progress: Callable[[int, int], None] | None = None,
    **params: object,
) -> ClusterResult:
    """Read ``paths`` and group their articles into stories.

    ``params`` go to :class:`StoryClusterer`. Raises :class:`InputError` for bad input
    unless ``skip_bad``.
    """
    loaded = load_articles(paths, skip_bad=skip_bad)
    clusterer = StoryClusterer(embedder=embedder or make_embedder(), **params)  # type: ignore[arg-type]
    clusterer.fit(loaded.articles, progress=progress)
    return ClusterResult(
        clusterer.articles_, clusterer.stories_, loaded.skipped, clusterer.embeddings_
    )
