"""Distances for HDBSCAN: from cosines, rounded so that input order cannot matter."""

from __future__ import annotations

import numpy as np


def cosine_similarity_matrix(vectors: np.ndarray) -> np.ndarray:
    """Pairwise cosine similarities of L2-normalised rows, as float64 in [-1, 1]."""
    vectors = np.asarray(vectors, dtype=np.float64)
    similarity = vectors @ vectors.T
    np.clip(similarity, -1.0, 1.0, out=similarity)
    np.fill_diagonal(similarity, 1.0)
    return similarity


def second_order_distance(probability: np.ndarray) -> np.ndarray:
    """1 − cosine between rows of the probability matrix, rounded to 1e-6, symmetric.

    Two articles are close when they are likely the same story as the same other
    articles; this damps chaining through one spurious strong pair.
    """
    rows = probability / np.linalg.norm(probability, axis=1, keepdims=True)
    return cosine_distance(rows @ rows.T)


def cosine_distance(similarity: np.ndarray) -> np.ndarray:
    """1 − a square block of cosines, in [0, 2], rounded to 1e-6, symmetric, 0 on the diagonal.

    Rounding removes float noise that would otherwise make HDBSCAN depend on input order.
    """
    distance = rounded_distance(similarity)
    distance = np.minimum(distance, distance.T)
    np.fill_diagonal(distance, 0.0)
    return distance


def rounded_distance(similarity: np.ndarray) -> np.ndarray:
    """1 − cosine, clipped to [0, 2] and rounded to 1e-6, as float64."""
    return np.round(np.clip(1.0 - similarity, 0.0, 2.0).astype(np.float64), 6)
