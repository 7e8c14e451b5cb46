"""StoryClusterer: articles in, stories out, with HDBSCAN doing the grouping."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import hdbscan
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.base import BaseEstimator, ClusterMixin

from clustering.articles import ARTICLE_COLUMNS
from clustering.loaders import articles_from_records
from clustering.similarity import cosine_similarity_matrix
from clustering.stories import Story, build_stories
from clustering.vectors import embed_articles
from embeddings import DEFAULT_MODEL, Embedder, get_embedder, normalize, story_cutoff


def as_article_table(articles: pd.DataFrame | Sequence[str]) -> pd.DataFrame:
    """The article table for a prepared table, any DataFrame of articles, or a list of texts."""
    if isinstance(articles, pd.DataFrame):
        if set(ARTICLE_COLUMNS) <= set(articles.columns):
            return articles.reset_index(drop=True)
        return articles_from_records(articles.to_dict("records"), "<dataframe>").articles
    records = [{"id": str(i), "text": text} for i, text in enumerate(articles)]
    return articles_from_records(records, "<texts>").articles


class StoryClusterer(ClusterMixin, BaseEstimator):
    """Groups articles into stories with HDBSCAN; every article ends in exactly one story.

    Articles farther apart than ``max_distance`` (cosine distance; by default the cut-off
    the embedder states, see :func:`embeddings.story_cutoff`) are never linked. Each
    connected group of nearer articles is clustered by HDBSCAN (``min_cluster_size``,
    ``min_samples``, ``cluster_selection_method``); a group HDBSCAN does not split is one
    story. HDBSCAN's noise points become singleton stories flagged as outliers.

    Results do not depend on input order: articles are processed sorted by id.

    Fitted attributes: ``articles_`` (the article table with ``story`` and ``outlier``
    columns, in input order), ``labels_`` (each article's index into ``stories_``),
    ``outliers_`` (bool per article), ``stories_`` (list of :class:`Story`) and
    ``embeddings_`` (the article vectors, in input order).
    """

    def __init__(
        self,
        embedder: Embedder | str | None = None,
        min_cluster_size: int = 2,
        min_samples: int = 1,
        cluster_selection_method: str = "eom",
        max_distance: float | None = None,
    ) -> None:
        self.embedder = embedder
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.cluster_selection_method = cluster_selection_method
        self.max_distance = max_distance

    def _embedder(self) -> Embedder:
        if self.embedder is None or isinstance(self.embedder, str):
            return get_embedder(self.embedder or DEFAULT_MODEL)
        return self.embedder

    def fit(
        self,
        X: pd.DataFrame | Sequence[str],
        y: None = None,
        embeddings: np.ndarray | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> StoryClusterer:
        """Cluster ``X`` (an article table, a DataFrame of articles or a list of texts).

        ``embeddings`` are precomputed vectors, one row per article in the order of ``X``;
        without them the articles are embedded. ``progress(done, total)`` follows embedding.
        """
        articles = as_article_table(X)
        n = len(articles)
        if embeddings is not None:
            embeddings = np.asarray(embeddings)
            if embeddings.ndim != 2 or embeddings.shape[0] != n:
                raise ValueError(
                    f"embeddings must have one row per article: "
                    f"got shape {embeddings.shape} for {n} articles"
                )
            embeddings = normalize(embeddings)
        order = np.argsort(articles["id"].to_numpy(dtype=str), kind="stable")
        canonical = articles.iloc[order].reset_index(drop=True)
        embedder = self._embedder() if embeddings is None or self.max_distance is None else None
        if embeddings is None:
            vectors = embed_articles(canonical, embedder, progress)
        else:
            vectors = embeddings[order]
        cutoff = self.max_distance if self.max_distance is not None else story_cutoff(embedder)
        groups, outlier = self._group(vectors, cutoff)
        similarity = cosine_similarity_matrix(vectors)
        stories, story_index = build_stories(groups, outlier, canonical, similarity)
        inverse = np.empty(n, dtype=np.int64)
        inverse[order] = np.arange(n)
        self.stories_: list[Story] = stories
        self.labels_ = story_index[inverse]
        self.outliers_ = np.array([stories[i].outlier for i in self.labels_], dtype=bool)
        self.embeddings_ = vectors[inverse]
        table = articles.copy()
        table["story"] = [stories[i].id for i in self.labels_]
        table["outlier"] = self.outliers_
        self.articles_ = table
        return self

    def _group(self, vectors: np.ndarray, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
        """Group number and outlier flag per article, in the order of ``vectors``."""
        n = len(vectors)
        groups = np.full(n, -1, dtype=np.int64)
        outlier = np.zeros(n, dtype=bool)
        if n == 0:
            return groups, outlier
        distance = np.clip(1.0 - cosine_similarity_matrix(vectors), 0.0, 2.0)
        linked = distance <= cutoff
        _, component = connected_components(csr_matrix(linked), directed=False)
        next_group = 0
        for label in np.unique(component):
            members = np.flatnonzero(component == label)
            labels = self._hdbscan(distance[np.ix_(members, members)])
            for value in np.unique(labels):
                chosen = members[labels == value]
                if value < 0:
                    for i in chosen:
                        groups[i] = next_group
                        outlier[i] = True
                        next_group += 1
                else:
                    groups[chosen] = next_group
                    next_group += 1
        return groups, outlier

    def _hdbscan(self, distance: np.ndarray) -> np.ndarray:
        """HDBSCAN labels for one connected group (-1 for noise).

        A group that HDBSCAN does not split is one story: its members are all linked below
        ``max_distance`` and no denser sub-story stands out.
        """
        n = len(distance)
        if n < self.min_cluster_size:
            return np.full(n, -1)
        if n < 3:
            return np.zeros(n, dtype=np.int64)
        model = hdbscan.HDBSCAN(
            metric="precomputed",
            min_cluster_size=self.min_cluster_size,
            min_samples=self.min_samples,
            cluster_selection_method=self.cluster_selection_method,
        )
        labels = model.fit(distance).labels_
        return np.zeros(n, dtype=np.int64) if (labels < 0).all() else labels
