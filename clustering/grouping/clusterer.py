"""StoryClusterer: articles in, stories out, with HDBSCAN doing the grouping."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix, csr_matrix

from clustering.errors import SettingsError
from clustering.evidence.cascade import (
    SMALL_BATCH,
    Cascade,
    embed_heads,
    second_rows,
)
from clustering.evidence.explain import PairExplanation, explain_pair
from clustering.evidence.features import (
    CANDIDATE_WINDOW_HOURS,
    ArticleEvidence,
    SecondVectors,
    hours_of,
    with_body,
)
from clustering.evidence.model import PairModel, shipped_pair_model
from clustering.evidence.scorer import PairScorer, cosine_scorer, model_scorer
from clustering.grouping.copies import find_copies
from clustering.grouping.estimator import Found, Progress, StoryEstimator, Vectors, as_article_table
from clustering.grouping.graph import candidate_graph, scorer_closeness
from clustering.grouping.hdbscan_step import HDBSCANSettings, group_graph
from clustering.grouping.placement import place
from clustering.grouping.stories import Closeness, build_stories
from clustering.progress import bar
from clustering.reading.numbers import CLUSTER_SIZE, COUNT, DISTANCE, PROBABILITY
from embeddings import (
    DEFAULT_MODEL,
    CachedEmbedder,
    Embedder,
    check_embedder,
    get_embedder,
    model_languages,
    normalize,
)
from embeddings.articles import check_embeddings, embed_articles

#: The second model of the evidence cascade (see :mod:`clustering.evidence.cascade`).
SECOND_MODEL = "e5"

#: Two articles may share a story only when P(same story) is at least this.
DEFAULT_MIN_PROBABILITY = 0.5


class StoryClusterer(StoryEstimator):
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

    At every size the same candidate graph is built (see :mod:`clustering.grouping.graph`):
    only pairs published within ``window_hours`` of each other (or undated) are compared,
    in time-sorted blocks, and kept when P ≥ 0.01 (cosine path: within the cutoff), so no
    n×n matrix is built and memory and time grow with n times the articles per window.

    The evidence is a cascade (see :mod:`clustering.evidence.cascade`): with
    ``second_model="auto"`` and a bundled model, articles with a body, the headlines of
    batches of at most ``second_up_to``, and in larger batches the headlines in languages
    the model does not cover (with their nearest neighbours), also get an e5 vector of
    their head, and pairs where both have one are scored by the pair model that reads the
    e5 cosine too. ``second_model=None`` turns the second model off (faster, weaker on
    full articles, small batches and uncovered languages); a larger ``second_up_to`` gives
    more headlines the e5 vector.

    Fitted attributes are those of :class:`~clustering.grouping.estimator.StoryEstimator`,
    ``scores_`` (the candidate graph's pair scores, P(same story) or cosines, as a sparse
    matrix in input order; pairs not kept score 0) with ``min_score_`` (the score from which
    two articles may share a story: ``min_probability`` with a pair model, else the cosine
    1 − ``max_distance``), and ``originals_`` (each article's copy-group original, as an
    input position; itself when it has no earlier copy). Copies of one text (see
    :mod:`clustering.grouping.copies`) are one, their original: a copy's row and column of
    ``scores_`` are empty, and its original's stand for them.
    """

    def __init__(
        self,
        embedder: Embedder | str | None = None,
        pair_model: PairModel | str | None = "auto",
        min_cluster_size: int = 2,
        min_samples: int = 1,
        cluster_selection_method: str = "eom",
        cluster_selection_epsilon: float = 0.2,
        min_probability: float = DEFAULT_MIN_PROBABILITY,
        max_distance: float | None = None,
        window_hours: float = CANDIDATE_WINDOW_HOURS,
        second_model: str | None = "auto",
        second_up_to: int = SMALL_BATCH,
    ) -> None:
        self.embedder = embedder
        self.pair_model = pair_model
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.cluster_selection_method = cluster_selection_method
        self.cluster_selection_epsilon = cluster_selection_epsilon
        self.min_probability = min_probability
        self.max_distance = max_distance
        self.window_hours = window_hours
        self.second_model = second_model
        self.second_up_to = second_up_to

    def resolved_embedder(self) -> Embedder:
        """The embedder this clusterer uses: the one given, or the model it names."""
        if self.embedder is None or isinstance(self.embedder, str):
            return get_embedder(self.embedder or DEFAULT_MODEL)
        return check_embedder(self.embedder)

    def _pair_model(self, embedder: Embedder) -> PairModel | None:
        if self.pair_model == "auto":
            return shipped_pair_model(embedder.model)
        if isinstance(self.pair_model, str):
            return shipped_pair_model(self.pair_model)
        return self.pair_model

    def cascade(self, embedder: Embedder) -> Cascade | None:
        """The pair models for ``embedder``: the base one and, if any, the second model's."""
        base = self._pair_model(embedder)
        name = SECOND_MODEL if self.second_model == "auto" else self.second_model
        second = None
        if base is not None and name is not None and self.pair_model == "auto":
            second = shipped_pair_model(f"{embedder.model}+{name}")
        if second is None and self.second_model not in (None, "auto"):
            raise SettingsError(
                f"second model {name!r} needs a shipped pair model for "
                f"{embedder.model!r} with {name!r} (there is one for 'use' "
                f"with {SECOND_MODEL!r}, not with --pair-model): use second_model='auto' or None"
            )
        if base is None:
            return None
        bodies = shipped_pair_model(f"{embedder.model}+{name}-bodies") if second else None
        return Cascade(base, second, bodies)

    def second_embedder(self, name: str) -> Embedder:
        """The cascade's second model, by the name its pair models record."""
        return get_embedder(name)

    def second_rows(
        self, articles: pd.DataFrame, vectors: np.ndarray, cascade: Cascade
    ) -> np.ndarray:
        """Which of a batch's articles the cascade gives the second model's vector (rows).

        The languages the first model covers are its pair model's (as the evidence reads
        them), whatever wraps the embedder.
        """
        has_body = with_body(articles)
        return second_rows(
            list(articles["lang"]),
            cascade.eligible(has_body),
            model_languages(cascade.base.model),
            vectors,
            hours_of(articles["published"]),
            self.window_hours,
            self.second_up_to,
            always=has_body,
        )

    def _second_vectors(
        self,
        articles: pd.DataFrame,
        vectors: np.ndarray,
        embedder: Embedder,
        cascade: Cascade,
    ) -> SecondVectors | None:
        """The second model's vectors of the articles the cascade gives one."""
        name = cascade.second_model()
        has_body = with_body(articles)
        means = cascade.second_means(has_body)
        if name is None or means is None:
            return None
        rows = self.second_rows(articles, vectors, cascade)
        second = self.second_embedder(name)
        if isinstance(embedder, CachedEmbedder):  # cached where the first model's vectors are
            second = embedder.sharing(second)
        return SecondVectors(rows, embed_heads(articles, rows, second), means[rows])

    def _stories(self, articles: pd.DataFrame, vectors: Vectors, progress: Progress) -> Found:
        """Stories, labels and vectors; articles are processed sorted by id.

        Copies (see :mod:`clustering.grouping.copies`) are one point of the graph, their
        original; each copy then gets its original's story. A group of copies is never an
        outlier.
        """
        n = len(articles)
        order = np.argsort(articles["id"].to_numpy(dtype=str), kind="stable")
        canonical = articles.iloc[order].reset_index(drop=True)
        embedder = self.resolved_embedder()
        pair_model = self._pair_model(embedder)
        if pair_model is not None:  # before embedding, which may take long
            pair_model.check_embedder(embedder)
        if vectors is None:
            with bar("Embedding", "texts") as drawn:
                vectors = embed_articles(canonical, embedder, progress or drawn)
        else:
            vectors = vectors[order]
        copies = find_copies(canonical, hours_of(canonical["published"]), vectors)
        points = copies.originals
        groups, outlier, graph, self.min_score_ = self._group(
            canonical.iloc[points].reset_index(drop=True), vectors[points], embedder, copies.counts
        )
        point_of = copies.group_of
        single = copies.counts[point_of] == 1
        stories, story_index = build_stories(
            groups[point_of],
            outlier[point_of] & single,
            canonical,
            lambda rows: graph[point_of[rows]][:, point_of[rows]],
            copies.original_of,
        )
        inverse = np.empty(n, dtype=np.int64)
        inverse[order] = np.arange(n)
        self.originals_ = order[copies.original_of][inverse]
        spread = graph.tocoo()
        full = coo_matrix(
            (spread.data, (points[spread.row], points[spread.col])), shape=(n, n)
        ).tocsr()
        self.scores_: csr_matrix = full[inverse][:, inverse].tocsr()
        return stories, story_index[inverse], vectors[inverse]

    def _check_numbers(self) -> None:
        """A :class:`SettingsError` for a NaN, infinite or out-of-range number setting."""
        PROBABILITY.check(self.min_probability, "min_probability")
        if self.max_distance is not None:
            DISTANCE.check(self.max_distance, "max_distance")
        CLUSTER_SIZE.check(self.min_cluster_size, "min_cluster_size")
        COUNT.check(self.second_up_to, "second_up_to")

    def scorer(
        self,
        articles: pd.DataFrame,
        vectors: np.ndarray,
        embedder: Embedder,
    ) -> PairScorer:
        """The pair scorer for a batch: the pair models' when there are some, else cosine."""
        self._check_numbers()
        pair_model = self._pair_model(embedder)
        if pair_model is not None and self.max_distance is not None:
            raise SettingsError(
                f"max_distance applies only to plain cosine clustering, and "
                f"{pair_model.model!r} has a pair model: set min_probability (P(same story) "
                "from 0 to 1) instead, or pair_model=None"
            )
        cascade = self.cascade(embedder)
        if cascade is None:
            cutoff = self.max_distance if self.max_distance is not None else embedder.max_distance
            return cosine_scorer(vectors, articles["published"], cutoff)
        return model_scorer(
            cascade, self.evidence(articles, vectors, embedder, cascade), self.min_probability
        )

    def evidence(
        self, articles: pd.DataFrame, vectors: np.ndarray, embedder: Embedder, cascade: Cascade
    ) -> ArticleEvidence:
        """What the pair features of a batch come from, with the cascade's second vectors."""
        cascade.base.check_embedder(embedder)
        cascade.base.check_vectors(vectors)
        second = self._second_vectors(articles, vectors, embedder, cascade)
        return ArticleEvidence.of(
            vectors, cascade.base.mean, articles, second, model_languages(cascade.base.model)
        )

    def _batch_evidence(
        self, articles: pd.DataFrame | Sequence[str], embeddings: Vectors
    ) -> tuple[pd.DataFrame, Cascade, ArticleEvidence]:
        """The article table, the pair models and the evidence of a batch, as fit has them."""
        table = as_article_table(articles)
        embedder = self.resolved_embedder()
        cascade = self.cascade(embedder)
        if cascade is None:
            raise SettingsError("P(same story) needs a pair model: cosine clustering has none")
        if embeddings is None:
            vectors = embed_articles(table, embedder)
        else:
            vectors = normalize(check_embeddings(embeddings, len(table)))
        return table, cascade, self.evidence(table, vectors, embedder, cascade)

    def pair_explanation(
        self,
        articles: pd.DataFrame | Sequence[str],
        first: str,
        second: str,
        embeddings: Vectors = None,
    ) -> PairExplanation:
        """P(same story) of the articles with ids ``first`` and ``second``, and why.

        The pair is scored as :meth:`fit` would score it among ``articles`` (the batch
        decides only which articles get the second model's vector). Needs a pair model.
        """
        table, cascade, evidence = self._batch_evidence(articles, embeddings)
        ids = table["id"].astype(str).tolist()
        missing = [i for i in (first, second) if i not in ids]
        if missing:
            raise ValueError(f"no article with id {missing[0]!r}")
        pair = np.array([ids.index(first)]), np.array([ids.index(second)])
        return explain_pair(cascade, evidence.pair_features(*pair))

    def assign(
        self, new_articles: pd.DataFrame | Sequence[str], embeddings: Vectors = None
    ) -> pd.DataFrame:
        """Place new articles into the fitted stories, or into new ones; old ones never move.

        The rules are the story store's (:mod:`clustering.grouping.placement`): the new
        articles are clustered with their nearest fitted neighbours within
        :data:`~clustering.grouping.placement.PLACEMENT_WINDOW_HOURS` (72), and a
        local story joins the fitted story it is most strongly linked to on average, else
        opens a story numbered after the last. The fitted attributes grow by the new
        articles (``story_table(clusterer)`` shows the stories that grew). Returns the new
        articles with ``story``, ``outlier`` and ``status`` (``joined`` or ``new``).
        ``embeddings`` are their precomputed vectors, as for :meth:`fit`.
        """
        if not hasattr(self, "articles_"):
            raise ValueError("assign needs a fitted clusterer: call fit first")
        table = as_article_table(new_articles)
        if embeddings is None:
            vectors = embed_articles(table, self.resolved_embedder())
        else:
            vectors = normalize(check_embeddings(embeddings, len(table)))
        return place(self, table, vectors)

    def pair_probabilities(
        self,
        articles: pd.DataFrame | Sequence[str],
        left: np.ndarray,
        right: np.ndarray,
        embeddings: Vectors = None,
    ) -> np.ndarray:
        """P(same story) of the pairs (``left[k]``, ``right[k]``), as :meth:`fit` scores them.

        ``left`` and ``right`` are row numbers of ``articles``; the batch decides only
        which articles get the second model's vector.
        """
        _, cascade, evidence = self._batch_evidence(articles, embeddings)
        return cascade.scores(evidence.pair_features(np.asarray(left), np.asarray(right)))

    def closeness(self, articles: pd.DataFrame, vectors: np.ndarray) -> Closeness:
        """Pair scores among some of ``articles``, as a story's representative is picked by.

        The scores of a story's members are their candidate graph, with this clusterer's
        evidence; ``vectors`` are the articles' embeddings, in their order.
        """
        table = as_article_table(articles)
        vectors = normalize(check_embeddings(vectors, len(table)))
        return scorer_closeness(
            self.scorer(table, vectors, self.resolved_embedder()), self.window_hours
        )

    def _group(
        self, articles: pd.DataFrame, vectors: np.ndarray, embedder: Embedder, counts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, csr_matrix, float]:
        """Group, outlier flag, candidate graph and minimum score, in the order of ``vectors``.

        ``counts`` says how many copies each article stands for.
        """
        scorer = self.scorer(articles, vectors, embedder)
        settings = HDBSCANSettings(
            self.min_cluster_size,
            self.min_samples,
            self.cluster_selection_method,
            self.cluster_selection_epsilon if scorer.second_order else 0.0,
        )
        graph = candidate_graph(scorer, self.window_hours)
        groups, outlier = group_graph(graph, scorer, settings, self.window_hours, counts)
        return groups, outlier, graph, scorer.min_score
