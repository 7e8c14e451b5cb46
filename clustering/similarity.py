"""Evidence that two articles report the same story; here, the similarity of their vectors."""

from __future__ import annotations

import numpy as np


def cosine_similarity_matrix(vectors: np.ndarray) -> np.ndarray:
    """Pairwise cosine similarities of L2-normalised rows, as float64 in [-1, 1]."""
    vectors = np.asarray(vectors, dtype=np.float64)
    similarity = vectors @ vectors.T
    np.clip(similarity, -1.0, 1.0, out=similarity)
    np.fill_diagonal(similarity, 1.0)
    return similarity


def story_distance_matrix(vectors: np.ndarray, max_distance: float, far: float = 1e3) -> np.ndarray:
    """Cosine distances for HDBSCAN, with pairs beyond ``max_distance`` pushed ``far`` apart.

    HDBSCAN judges density only relative to the data; the cut-off gives it an absolute
    notion of "unrelated" so that two articles about different events never form a story
    just because nothing else is near either of them.
    """
    distance = 1.0 - cosine_similarity_matrix(vectors)
    np.clip(distance, 0.0, 2.0, out=distance)
    distance[distance > max_distance] = far
    np.fill_diagonal(distance, 0.0)
    return distance
