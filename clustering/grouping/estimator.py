"""The estimator API every story clusterer shares, in the manner of scikit-learn."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Self, cast

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin

from clustering.grouping.result import ClusterResult
from clustering.grouping.stories import Story
from clustering.reading.articles import ARTICLE_COLUMNS
from clustering.reading.loaders import articles_from_records
from embeddings import normalize
from embeddings.articles import check_embeddings


def as_article_table(articles: pd.DataFrame | Sequence[str]) -> pd.DataFrame:
    """The article table for a prepared table, any DataFrame of articles, or a list of texts."""
    if isinstance(articles, pd.DataFrame):
        if set(ARTICLE_COLUMNS) <= set(articles.columns):
            return articles.reset_index(drop=True)
        records = cast(list[dict[str, object]], articles.to_dict("records"))
        return articles_from_records(records, "<dataframe>").articles
    records = [{"id": str(i), "text": text} for i, text in enumerate(articles)]
    return articles_from_records(records, "<texts>").articles


#: Follows embedding: called with (texts done, texts in all).
Progress = Callable[[int, int], None] | None
#: Precomputed unit vectors, one row per article, or None to embed the articles.
Vectors = np.ndarray | None
#: What a clusterer finds: the stories, each article's index into them, the unit vectors.
Found = tuple[list[Story], np.ndarray, np.ndarray]


class StoryEstimator(ClusterMixin, BaseEstimator):
    """Articles in, stories out: ``fit`` returns self and sets the fitted attributes.

    Fitted attributes: ``articles_`` (the article table with ``story`` and ``outlier``
    columns, in input order), ``labels_`` (each article's index into ``stories_``),
    ``outliers_`` (bool per article), ``stories_`` (list of :class:`Story`) and
    ``embeddings_`` (the article vectors, in input order).
    """

    def fit(
        self,
        X: pd.DataFrame | Sequence[str],
        y: None = None,
        embeddings: np.ndarray | None = None,
        progress: Progress = None,
    ) -> Self:
        """Cluster ``X`` (an article table, a DataFrame of articles or a list of texts).

        ``embeddings`` are precomputed vectors, one row per article in the order of ``X``,
        made by this clusterer's embedder; without them the articles are embedded.
        ``progress(done, total)`` follows embedding.
        """
        articles = as_article_table(X)
        if embeddings is not None:
            embeddings = normalize(check_embeddings(embeddings, len(articles)))
        stories, labels, vectors = self._stories(articles, embeddings, progress)
        self.stories_: list[Story] = stories
        self.labels_ = labels
        self.outliers_ = np.array([stories[i].outlier for i in labels], dtype=bool)
        self.embeddings_ = vectors
        self.articles_ = articles.assign(
            story=[stories[i].id for i in labels], outlier=self.outliers_
        )
        return self

    def _stories(self, articles: pd.DataFrame, vectors: Vectors, progress: Progress) -> Found:
        """The stories, each article's index into them, and the (unit) article vectors."""
        raise NotImplementedError

    def result(self) -> ClusterResult:
        """The fitted stories, articles and vectors, as a :class:`ClusterResult`."""
        if not hasattr(self, "articles_"):
            raise ValueError(f"{type(self).__name__} has no stories yet: call fit first")
        return ClusterResult(self.articles_, self.stories_, embeddings=self.embeddings_)
