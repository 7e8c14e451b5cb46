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
