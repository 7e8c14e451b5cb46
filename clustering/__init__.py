"""samestory: find the same news story across languages.

Articles (files, feeds, DataFrames) become one uniform table, every article gets a
multilingual vector from :mod:`embeddings`, and :class:`StoryClusterer` groups them with
HDBSCAN into stories; articles it cannot place are outliers, each a story of its own.

For analysts in a notebook: :func:`story_table` and :func:`article_table` give DataFrames,
:meth:`StoryClusterer.assign` places a new batch into the fitted stories without moving
the old ones (by the rules of :class:`StoryStore`, which ``StoryStore(":memory:")`` keeps
in memory), and :func:`explain` tells why two articles share a story, or not.
:func:`visualize_map`, :func:`visualize_timeline` and :func:`visualize_sources` draw
interactive figures and :func:`show_report` shows the HTML report inline (these need
the ``notebook`` extra).

Each name is imported from its module on first use, so that ``import clustering`` (and the
command line's ``--help``) does not load numpy, pandas and scikit-learn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clustering.errors import InputError
    from clustering.grouping.clusterer import StoryClusterer, as_article_table
    from clustering.grouping.result import ClusterResult
    from clustering.grouping.stories import Story
    from clustering.output.explanations import explain
    from clustering.output.figures import (
        show_report,
        visualize_map,
        visualize_sources,
        visualize_timeline,
    )
    from clustering.output.formats import render
    from clustering.output.report import render_report
    from clustering.output.tables import article_table, story_table
    from clustering.pipeline import cluster_paths
    from clustering.reading.articles import ARTICLE_COLUMNS
    from clustering.reading.loaders import LoadResult, articles_from_records, load_articles
    from clustering.store.store import StoryStore
    from embeddings import make_embedder

# name: the module it comes from
_HOMES = {
    "ARTICLE_COLUMNS": "clustering.reading.articles",
    "ClusterResult": "clustering.grouping.result",
    "InputError": "clustering.errors",
    "LoadResult": "clustering.reading.loaders",
    "Story": "clustering.grouping.stories",
    "StoryClusterer": "clustering.grouping.clusterer",
    "StoryStore": "clustering.store.store",
    "article_table": "clustering.output.tables",
    "articles_from_records": "clustering.reading.loaders",
    "as_article_table": "clustering.grouping.clusterer",
    "cluster_paths": "clustering.pipeline",
    "explain": "clustering.output.explanations",
    "load_articles": "clustering.reading.loaders",
    "make_embedder": "embeddings",
    "render": "clustering.output.formats",
    "render_report": "clustering.output.report",
    "show_report": "clustering.output.figures",
    "story_table": "clustering.output.tables",
    "visualize_map": "clustering.output.figures",
    "visualize_sources": "clustering.output.figures",
    "visualize_timeline": "clustering.output.figures",
}
__all__ = [
    "ARTICLE_COLUMNS",
    "ClusterResult",
    "InputError",
    "LoadResult",
    "Story",
    "StoryClusterer",
    "StoryStore",
    "article_table",
    "articles_from_records",
    "as_article_table",
    "cluster_paths",
    "explain",
    "load_articles",
    "make_embedder",
    "render",
    "render_report",
    "show_report",
    "story_table",
    "visualize_map",
    "visualize_sources",
    "visualize_timeline",
]


def __getattr__(name: str) -> object:
    """A public name, imported from its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module 'clustering' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
