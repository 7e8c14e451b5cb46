"""One call from inputs to stories: load, embed (through the cache), cluster."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.clusterer import StoryClusterer
from clustering.errors import InputError
from clustering.loaders import load_articles
from clustering.stories import Story
from embeddings import DEFAULT_MODEL, CachedEmbedder, Embedder, get_embedder


@dataclass
class ClusterResult:
    """Stories found in some input.

    ``articles`` is the article table with ``story`` and ``outlier`` columns; ``skipped``
    lists the inputs left out under ``skip_bad``; ``embeddings`` are the article vectors in
    the order of ``articles``, when known (the report draws its map from them).
    """

    articles: pd.DataFrame
    stories: list[Story]
    skipped: list[InputError] = field(default_factory=list)
    embeddings: np.ndarray | None = None

    @property
    def outliers(self) -> int:
        """Number of outlier stories."""
        return sum(story.outlier for story in self.stories)


def make_embedder(
    model: str = DEFAULT_MODEL, cache: bool = True, cache_dir: str | os.PathLike[str] | None = None
) -> Embedder:
    """The embedder for ``model``, wrapped in the on-disk cache unless ``cache`` is False."""
    embedder = get_embedder(model)
    return CachedEmbedder(embedder, Path(cache_dir) if cache_dir else None) if cache else embedder


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
