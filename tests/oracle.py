"""The exact n×n computation, kept only as an oracle for the candidate-graph path.

Every pair is scored, whatever the time between them, and HDBSCAN sees the full distance
matrix: what the candidate graph approximates by keeping only pairs close in time and at
the evidence floor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from clustering import StoryClusterer
from clustering.evidence.distances import cosine_distance, second_order_distance
from clustering.grouping.clusterer import as_article_table
from clustering.grouping.hdbscan_step import AverageLink, HDBSCANSettings, group_linked
from clustering.grouping.stories import Story, build_stories
from embeddings import normalize

#: Rows of the score matrix computed at once (OG2021 dev whole took 1.7 GB more).
ROWS = 512


def exact_stories(
    clusterer: StoryClusterer, articles: pd.DataFrame, embeddings: np.ndarray
) -> tuple[list[Story], np.ndarray]:
    """Stories and each article's index into them (input order), from dense n×n matrices."""
    table = as_article_table(articles)
    order = np.argsort(table["id"].to_numpy(dtype=str), kind="stable")
    canonical = table.iloc[order].reset_index(drop=True)
    vectors = normalize(embeddings)[order]
    scorer = clusterer.scorer(canonical, vectors, clusterer.resolved_embedder())
    everything = np.arange(len(canonical))
    scores = np.empty((len(canonical), len(canonical)), dtype=np.float64)
    for start in range(0, len(canonical), ROWS):  # every feature's matrix, a block at a time
        scores[start : start + ROWS] = scorer.block(everything[start : start + ROWS], everything)
    np.fill_diagonal(scores, 1.0)
    distance = (second_order_distance if scorer.second_order else cosine_distance)(scores)
    settings = HDBSCANSettings(
        clusterer.min_cluster_size,
        clusterer.min_samples,
        clusterer.cluster_selection_method,
        clusterer.cluster_selection_epsilon if scorer.second_order else 0.0,
    )
    hours = scorer.hours
    probability = (
        AverageLink(
            lambda m: scores[np.ix_(m, m)],
            scorer.min_score,
            lambda m: np.abs(hours[m][:, None] - hours[m][None, :]) > clusterer.window_hours,
        )
        if scorer.second_order
        else None
    )
    groups, outlier = group_linked(
        csr_matrix(scores >= scorer.min_score),
        lambda m: distance[np.ix_(m, m)],
        settings,
        probability,
    )
    stories, index = build_stories(groups, outlier, canonical, lambda m: scores[np.ix_(m, m)])
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.arange(len(order))
    return stories, index[inverse]
