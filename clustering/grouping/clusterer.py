"""StoryClusterer: articles in, stories out, with HDBSCAN doing the grouping."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from sklearn.base import BaseEstimator, ClusterMixin

from clustering.evidence.distances import cosine_similarity_matrix
from clustering.evidence.features import (
    ArticleEvidence,
    PairModel,
    cosine_distance,
    hours_of,
    rounded_distance,
    second_order_distance,
    shipped_pair_model,
)
from clustering.grouping.graph import (
    DENSE_COMPONENT,
    UNDATED_NEIGHBOURS,
    UndatedCandidates,
    knn_distance_graph,
    nearest_by_vector,
    row_cosine_block,
    row_normalized,
    sparse_block,
    sparse_scores,
)
from clustering.grouping.hdbscan_step import HDBSCANSettings, group, group_linked
from clustering.grouping.stories import Closeness, Story, block_of, build_stories
from clustering.reading.articles import ARTICLE_COLUMNS
from clustering.reading.loaders import articles_from_records
from embeddings import DEFAULT_MODEL, Embedder, embedder_key, get_embedder, normalize, story_cutoff
from embeddings.articles import check_embeddings, embed_articles

#: Up to this many articles every pair is compared (dense n×n matrices, ~1 GB at 5,000).
EXACT_LIMIT = 5000

#: In the sparse path, pairs less likely than this to be the same story are not kept:
#: on OG2021 dev, dropping them changes BCubed F1 by less than 0.001.
EVIDENCE_FLOOR = 0.01


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

    With a pair model (``pair_model="auto"`` finds the one shipped for the bundled models),
    the evidence for every pair (vector cosine, romanised word and character overlap,
    publication-time gap, same language) becomes P(same story). Articles with no partner
    at ``min_probability`` or more are outliers; the others are clustered by HDBSCAN on the
    second-order distance 1 − cos(P rows), with ``cluster_selection_epsilon``. Without a
    pair model (``pair_model=None``, or a model none was trained for), the cosine distance
    is used and articles farther apart than ``max_distance`` are never linked.

    In both modes a linked group that HDBSCAN does not split is one story, and HDBSCAN's
    noise points become singleton stories flagged as outliers. Results do not depend on
    input order: articles are processed sorted by id.

    Up to ``exact_limit`` articles every pair is compared. Above it no n×n matrix is
    built: only pairs published within ``window_hours`` of each other (or undated) are
    compared, in time-sorted blocks, and kept when P ≥ 0.01 (cosine path: within the
    cutoff), so memory and time grow with n times the articles per window (see
    :mod:`clustering.grouping.graph`).

    Fitted attributes: ``articles_`` (the article table with ``story`` and ``outlier``
    columns, in input order), ``labels_`` (each article's index into ``stories_``),
    ``outliers_`` (bool per article), ``stories_`` (list of :class:`Story`) and
    ``embeddings_`` (the article vectors, in input order).
    """

    def __init__(
        self,
        embedder: Embedder | str | None = None,
        pair_model: PairModel | str | None = "auto",
        min_cluster_size: int = 2,
        min_samples: int = 1,
        cluster_selection_method: str = "eom",
        cluster_selection_epsilon: float = 0.2,
        min_probability: float = 0.5,
        max_distance: float | None = None,
        exact_limit: int = EXACT_LIMIT,
        window_hours: float = 120.0,
    ) -> None:
        self.embedder = embedder
        self.pair_model = pair_model
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.cluster_selection_method = cluster_selection_method
        self.cluster_selection_epsilon = cluster_selection_epsilon
        self.min_probability = min_probability
        self.max_distance = max_distance
        self.exact_limit = exact_limit
        self.window_hours = window_hours

    def resolved_embedder(self) -> Embedder:
        """The embedder this clusterer uses: the one given, or the model it names."""
        if self.embedder is None or isinstance(self.embedder, str):
            return get_embedder(self.embedder or DEFAULT_MODEL)
        return self.embedder

    def _pair_model(self, embedder: Embedder) -> PairModel | None:
        if self.pair_model == "auto":
            key = embedder_key(embedder)
            return shipped_pair_model(key) if key else None
        if isinstance(self.pair_model, str):
            return shipped_pair_model(self.pair_model)
        return self.pair_model

    def fit(
        self,
        X: pd.DataFrame | Sequence[str],
        y: None = None,
        embeddings: np.ndarray | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> StoryClusterer:
        """Cluster ``X`` (an article table, a DataFrame of articles or a list of texts).

        ``embeddings`` are precomputed vectors, one row per article in the order of ``X``,
        made by this clusterer's embedder; without them the articles are embedded.
        ``progress(done, total)`` follows embedding.
        """
        articles = as_article_table(X)
        n = len(articles)
        if embeddings is not None:
            embeddings = normalize(check_embeddings(embeddings, n))
        order = np.argsort(articles["id"].to_numpy(dtype=str), kind="stable")
        canonical = articles.iloc[order].reset_index(drop=True)
        embedder = self.resolved_embedder()
        if embeddings is None:
            vectors = embed_articles(canonical, embedder, progress)
        else:
            vectors = embeddings[order]
        groups, outlier, closeness = self._group(canonical, vectors, embedder)
        stories, story_index = build_stories(groups, outlier, canonical, closeness)
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

    def _group(
        self, articles: pd.DataFrame, vectors: np.ndarray, embedder: Embedder
    ) -> tuple[np.ndarray, np.ndarray, Closeness]:
        """Group, outlier flag and pairwise closeness, in the order of ``vectors``."""
        settings = HDBSCANSettings(
            self.min_cluster_size,
            self.min_samples,
            self.cluster_selection_method,
            self.cluster_selection_epsilon,
        )
        pair_model = self._pair_model(embedder)
        sparse = len(vectors) > self.exact_limit
        if pair_model is None or len(vectors) == 0:
            cutoff = self.max_distance if self.max_distance is not None else story_cutoff(embedder)
            cosine_settings = HDBSCANSettings(
                self.min_cluster_size, self.min_samples, self.cluster_selection_method
            )
            if sparse:
                return self._group_cosine_graph(articles, vectors, cutoff, cosine_settings)
            similarity = cosine_similarity_matrix(vectors)
            distance = np.clip(1.0 - similarity, 0.0, 2.0)
            groups, outlier = group(distance, distance <= cutoff, cosine_settings)
            return groups, outlier, block_of(similarity)
        if vectors.shape[1] != pair_model.mean.shape[0]:
            raise ValueError(
                f"embeddings have {vectors.shape[1]} dimensions, the {pair_model.model!r} pair "
                f"model expects {pair_model.mean.shape[0]}: embed with that model or pass "
                "pair_model=None"
            )
        evidence = ArticleEvidence.of(
            vectors,
            pair_model.mean,
            list(articles["title"]),
            articles["published"],
            list(articles["lang"]),
        )
        if not sparse:
            probability = pair_model.probabilities(evidence.features())
            groups, outlier = group(
                second_order_distance(probability), probability >= self.min_probability, settings
            )
            return groups, outlier, block_of(probability)
        graph = sparse_scores(
            len(vectors),
            evidence.hours,
            self.window_hours,
            lambda rows, cols: pair_model.scores(evidence.features(rows, cols)),
            EVIDENCE_FLOOR,
            UndatedCandidates(
                nearest_by_vector(evidence.centred, UNDATED_NEIGHBOURS),
                lambda left, right: pair_model.scores(evidence.pair_features(left, right)),
            ),
        )
        return self._group_graph(graph, evidence.hours, settings)

    def _group_cosine_graph(
        self,
        articles: pd.DataFrame,
        vectors: np.ndarray,
        cutoff: float,
        settings: HDBSCANSettings,
    ) -> tuple[np.ndarray, np.ndarray, Closeness]:
        """The cosine path for large batches: pairs within the time window and the cutoff."""
        vectors = np.asarray(vectors, dtype=np.float32)
        hours = hours_of(articles["published"])
        graph = sparse_scores(
            len(vectors),
            hours,
            self.window_hours,
            lambda rows, cols: vectors[rows] @ vectors[cols].T,
            1.0 - cutoff,
            UndatedCandidates(
                nearest_by_vector(vectors, UNDATED_NEIGHBOURS),
                lambda left, right: np.einsum("ij,ij->i", vectors[left], vectors[right]),
            ),
        )

        rows = csr_matrix(vectors)

        def distance_of(members: np.ndarray) -> np.ndarray | csr_matrix:
            if len(members) > DENSE_COMPONENT:
                return knn_distance_graph(rows, graph, members, hours, rounded_distance)
            return cosine_distance(cosine_similarity_matrix(vectors[members]))

        groups, outlier = group_linked(graph, distance_of, settings)
        return groups, outlier, sparse_block(graph)

    def _group_graph(
        self, graph: csr_matrix, hours: np.ndarray, settings: HDBSCANSettings
    ) -> tuple[np.ndarray, np.ndarray, Closeness]:
        """HDBSCAN on the second-order distance of a sparse probability graph.

        Linked groups of up to :data:`DENSE_COMPONENT` articles get a dense distance
        matrix; larger ones a k-nearest-neighbour graph over their candidate pairs.
        """
        rows = row_normalized(graph)

        def distance_of(members: np.ndarray) -> np.ndarray | csr_matrix:
            if len(members) > DENSE_COMPONENT:
                return knn_distance_graph(rows, graph, members, hours, rounded_distance)
            return cosine_distance(row_cosine_block(rows, members))

        groups, outlier = group_linked(graph >= self.min_probability, distance_of, settings)
        return groups, outlier, sparse_block(graph)
