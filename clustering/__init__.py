"""samestory: find the same news story across languages.

Articles (files, feeds, DataFrames) become one uniform table, every article gets a
multilingual vector from :mod:`embeddings`, and :class:`StoryClusterer` groups them with
HDBSCAN into stories; articles it cannot place are outliers, each a story of its own.
"""

from clustering.articles import ARTICLE_COLUMNS
from clustering.clusterer import StoryClusterer, as_article_table
from clustering.errors import InputError
from clustering.formats import render
from clustering.loaders import LoadResult, articles_from_records, load_articles
from clustering.pipeline import ClusterResult, cluster_paths, make_embedder
from clustering.report import render_report
from clustering.stories import Story
from clustering.tables import article_table, story_table

__all__ = [
    "ARTICLE_COLUMNS",
    "ClusterResult",
    "InputError",
    "LoadResult",
    "Story",
    "StoryClusterer",
    "article_table",
    "articles_from_records",
    "as_article_table",
    "cluster_paths",
    "load_articles",
    "make_embedder",
    "render",
    "render_report",
    "story_table",
]
