"""HDBSCAN (or, on small linked groups, average linkage on P); noise points become outliers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import hdbscan
import numpy as np
from scipy.sparse import csr_matrix, diags
from scipy.sparse.csgraph import connected_components

from clustering.evidence.distances import cosine_distance, rounded_distance
from clustering.evidence.scorer import PairScorer
from clustering.grouping.average_link import AVERAGE_LINK_UP_TO, average_link_labels
from clustering.grouping.graph import (
    DENSE_COMPONENT,
    crowded_rows,
    knn_distance_graph,
    row_cosine_block,
    row_normalized,
    score_distance_graph,
    sparse_block,
)
from clustering.progress import counted

#: The distances among some items (given as indices), as a square matrix in their order:
#: dense, or sparse with only the pairs HDBSCAN should consider.
DistanceOf = Callable[[np.ndarray], np.ndarray | csr_matrix]


@dataclass(frozen=True)
class AverageLink:
    """What average linkage on P needs, for some items.

    Their P block, the P from which two may share a story, and which of their pairs were
    published too far apart to share a story.
    """

    block: DistanceOf
    min_probability: float
    apart: Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class HDBSCANSettings:
    """The HDBSCAN parameters samestory exposes."""

    min_cluster_size: int = 2
    min_samples: int = 1
    cluster_selection_method: str = "eom"
    cluster_selection_epsilon: float = 0.0

    def labels(
        self, members: np.ndarray, distance_of: DistanceOf, allow_single_cluster: bool
    ) -> np.ndarray:
        """HDBSCAN labels (-1 for noise) of some items, from their distances."""
        n = len(members)
        if n < max(self.min_cluster_size, 3):
            return np.full(n, -1)
        distance = distance_of(members)
        model = hdbscan.HDBSCAN(
            metric="precomputed",
            min_cluster_size=self.min_cluster_size,
            min_samples=self.min_samples,
            cluster_selection_method=self.cluster_selection_method,
            cluster_selection_epsilon=self.cluster_selection_epsilon,
            allow_single_cluster=allow_single_cluster,
        )
        return model.fit(distance).labels_


def _assign(
    groups: np.ndarray,
    outlier: np.ndarray,
    members: np.ndarray,
    labels: np.ndarray,
    next_group: int,
) -> int:
    """Write one HDBSCAN result into ``groups``; noise points get a group each."""
    for value in np.unique(labels):
        chosen = members[labels == value]
        if value < 0:
            for i in chosen:
                groups[i], outlier[i] = next_group, True
                next_group += 1
        else:
            groups[chosen] = next_group
            next_group += 1
    return next_group


def group_linked(
    linked: csr_matrix,
    distance_of: DistanceOf,
    settings: HDBSCANSettings,
    probability: AverageLink | None = None,
    counts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Group number and outlier flag per item.

    ``linked`` says which pairs may share a story at all. HDBSCAN runs on the distances
    within each connected group of linked items (asked per group from ``distance_of``); a
    group it does not split is one story, and its noise points are outliers, one group each.
    With ``probability``, groups of up to :data:`AVERAGE_LINK_UP_TO` articles are grouped
    by average linkage on P instead (see :mod:`clustering.grouping.average_link`).
    ``counts`` says how many articles each item stands for (copies, see
    :mod:`clustering.grouping.copies`): the bound counts articles, and average linkage runs
    on the articles, so copies weigh as they did.
    """
    n = linked.shape[0]
    counts = np.ones(n, dtype=np.int64) if counts is None else counts
    groups = np.full(n, -1, dtype=np.int64)
    outlier = np.zeros(n, dtype=bool)
    if n == 0:
        return groups, outlier
    _, component = connected_components(linked, directed=False)
    next_group = 0
    split = np.split(np.argsort(component, kind="stable"), np.cumsum(np.bincount(component))[:-1])
    for members in counted(split, "Grouping", n, len, "articles"):
        articles = int(counts[members].sum())
        if probability is not None and articles <= AVERAGE_LINK_UP_TO:
            block = probability.block(members)
            dense = block.toarray() if isinstance(block, csr_matrix) else np.asarray(block)
            each = np.repeat(np.arange(len(members)), counts[members])  # copies side by side
            found = average_link_labels(
                dense[np.ix_(each, each)],
                probability.min_probability,
                settings.min_cluster_size,
                probability.apart(members)[np.ix_(each, each)],
            )
            labels = found[np.searchsorted(each, np.arange(len(members)))]
        else:
            labels = settings.labels(members, distance_of, allow_single_cluster=False)
            if (labels < 0).all() and articles >= settings.min_cluster_size:
                labels = np.zeros(len(members), dtype=np.int64)
        next_group = _assign(groups, outlier, members, labels, next_group)
    return groups, outlier


def group_graph(
    graph: csr_matrix,
    scorer: PairScorer,
    settings: HDBSCANSettings,
    window_hours: float,
    counts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Group number and outlier flag per article, from its candidate graph.

    Pairs scoring at least ``scorer.min_score`` may share a story. HDBSCAN's distance is
    1 − cosine between rows of the graph (second order) or between the article vectors.
    With P(same story) as the score, small linked groups are grouped by average linkage
    on P instead (see :func:`group_linked`), where two articles dated more than
    ``window_hours`` apart never share a story.
    Linked groups of up to :data:`DENSE_COMPONENT` articles get a dense distance matrix;
    larger ones a k-nearest-neighbour graph over their candidate pairs; a larger one with
    crowded articles (a flood, see :data:`~clustering.grouping.graph.CROWDED`), whose rows
    of P hold a few partners each, one of 1 − P.

    ``counts`` says how many articles each item stands for (see
    :mod:`clustering.grouping.copies`): in the rows of P each item's column weighs
    ``sqrt(count)``, so the second-order cosines are those the copies would give.
    """
    weighted = graph
    if counts is not None and (counts > 1).any():
        weighted = graph @ diags(np.sqrt(counts.astype(graph.dtype)))
    rows = (
        row_normalized(csr_matrix(weighted)) if scorer.second_order else csr_matrix(scorer.vectors)
    )
    # Every kept pair may link when the floor is the minimum (cosine); else a boolean graph.
    linked = graph if scorer.min_score <= scorer.floor else graph >= scorer.min_score

    crowded = crowded_rows(scorer.hours, window_hours)

    def distance_of(members: np.ndarray) -> np.ndarray | csr_matrix:
        if len(members) > DENSE_COMPONENT and scorer.second_order and crowded[members].any():
            return score_distance_graph(graph, members)
        if len(members) > DENSE_COMPONENT:
            return knn_distance_graph(rows, graph, members, scorer.hours, rounded_distance)
        return cosine_distance(row_cosine_block(rows, members))

    def apart(members: np.ndarray) -> np.ndarray:
        hours = scorer.hours[members]
        return np.abs(hours[:, None] - hours[None, :]) > window_hours  # False if undated

    probability = (
        AverageLink(sparse_block(graph), scorer.min_score, apart) if scorer.second_order else None
    )
    return group_linked(linked, distance_of, settings, probability, counts)
