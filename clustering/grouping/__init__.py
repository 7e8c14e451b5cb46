"""Grouping: articles and their pair evidence become stories.

The candidate graph, the HDBSCAN step, story records and the clustering result.
"""

from typing import TYPE_CHECKING

from clustering.lazy import lazy_exports

if TYPE_CHECKING:
    from clustering.grouping.clusterer import DEFAULT_MIN_PROBABILITY, StoryClusterer
    from clustering.grouping.estimator import as_article_table
    from clustering.grouping.result import ClusterResult, HasStories
    from clustering.grouping.stories import Story

__all__ = [
    "DEFAULT_MIN_PROBABILITY",
    "ClusterResult",
    "HasStories",
    "Story",
    "StoryClusterer",
    "as_article_table",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "DEFAULT_MIN_PROBABILITY": "clustering.grouping.clusterer",
        "StoryClusterer": "clustering.grouping.clusterer",
        "as_article_table": "clustering.grouping.estimator",
        "ClusterResult": "clustering.grouping.result",
        "HasStories": "clustering.grouping.result",
        "Story": "clustering.grouping.stories",
    },
)
