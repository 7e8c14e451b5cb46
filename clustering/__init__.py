"""samestory: find the same news story across languages.

Articles (files, feeds, DataFrames) become one uniform table, every article gets a
multilingual vector from an :class:`Embedder` (:func:`make_embedder` makes the bundled
ones), and :class:`StoryClusterer` groups them with HDBSCAN into stories; articles it
cannot place are outliers, each a story of its own. :func:`cluster_paths` does it all
in one call, with :class:`ClusterSettings`; :class:`WindowedClusterer` clusters in time
windows (on Dask workers too), and :func:`calibrate_paths` fits a pair model (P(same
story)) for any embedder.

For analysts in a notebook: :func:`story_table` and :func:`article_table` give DataFrames
of anything with stories (a fitted clusterer, a result, a store: see :class:`HasStories`),
:meth:`StoryClusterer.assign` places a new batch into the fitted stories without moving
the old ones (by the rules of :class:`StoryStore`, which ``StoryStore(":memory:")`` keeps
in memory), and :func:`explain` tells why two articles share a story, or not.
:func:`visualize_map`, :func:`visualize_timeline` and :func:`visualize_sources` draw
interactive figures and :func:`show_report` shows the HTML report inline (these need
the ``notebook`` extra).

Names are imported when first used, so ``import clustering`` is quick.
"""

from typing import TYPE_CHECKING

from clustering.lazy import lazy_exports

if TYPE_CHECKING:
    from clustering.errors import InputError
    from clustering.evidence.calibrate import Calibration
    from clustering.evidence.model import PairModel, read_pair_model
    from clustering.grouping.clusterer import StoryClusterer
    from clustering.grouping.estimator import as_article_table
    from clustering.grouping.result import ClusterResult, HasStories
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
    from clustering.pipeline import (
        ClusterSettings,
        ModelSettings,
        calibrate_pair_file,
        calibrate_paths,
        calibrate_table,
        cluster_paths,
        open_store,
    )
    from clustering.reading.articles import ARTICLE_COLUMNS
    from clustering.reading.loaders import LoadResult, articles_from_records, load_articles
    from clustering.scale.windows import WindowedClusterer
    from clustering.store.store import StoryStore
    from embeddings import Embedder, make_embedder

__all__ = [
    "ARTICLE_COLUMNS",
    "Calibration",
    "ClusterResult",
    "ClusterSettings",
    "Embedder",
    "HasStories",
    "InputError",
    "LoadResult",
    "ModelSettings",
    "PairModel",
    "Story",
    "StoryClusterer",
    "StoryStore",
    "WindowedClusterer",
    "article_table",
    "articles_from_records",
    "as_article_table",
    "calibrate_pair_file",
    "calibrate_paths",
    "calibrate_table",
    "cluster_paths",
    "explain",
    "load_articles",
    "make_embedder",
    "open_store",
    "read_pair_model",
    "render",
    "render_report",
    "show_report",
    "story_table",
    "visualize_map",
    "visualize_sources",
    "visualize_timeline",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "InputError": "clustering.errors",
        "Calibration": "clustering.evidence.calibrate",
        "PairModel": "clustering.evidence.model",
        "read_pair_model": "clustering.evidence.model",
        "StoryClusterer": "clustering.grouping.clusterer",
        "as_article_table": "clustering.grouping.estimator",
        "ClusterResult": "clustering.grouping.result",
        "HasStories": "clustering.grouping.result",
        "Story": "clustering.grouping.stories",
        "explain": "clustering.output.explanations",
        "show_report": "clustering.output.figures",
        "visualize_map": "clustering.output.figures",
        "visualize_sources": "clustering.output.figures",
        "visualize_timeline": "clustering.output.figures",
        "render": "clustering.output.formats",
        "render_report": "clustering.output.report",
        "article_table": "clustering.output.tables",
        "story_table": "clustering.output.tables",
        "ClusterSettings": "clustering.pipeline",
        "ModelSettings": "clustering.pipeline",
        "calibrate_pair_file": "clustering.pipeline",
        "calibrate_paths": "clustering.pipeline",
        "calibrate_table": "clustering.pipeline",
        "cluster_paths": "clustering.pipeline",
        "open_store": "clustering.pipeline",
        "ARTICLE_COLUMNS": "clustering.reading.articles",
        "LoadResult": "clustering.reading.loaders",
        "articles_from_records": "clustering.reading.loaders",
        "load_articles": "clustering.reading.loaders",
        "WindowedClusterer": "clustering.scale.windows",
        "StoryStore": "clustering.store.store",
        "Embedder": "embeddings",
        "make_embedder": "embeddings",
    },
)
