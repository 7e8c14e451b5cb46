"""A 2-D map of article vectors: the first two principal components, scaled to [0, 1]."""

from __future__ import annotations

import numpy as np


def project_2d(vectors: np.ndarray) -> np.ndarray:
    """PCA of ``vectors`` to two dimensions, each axis scaled to [0, 1]; shape (n, 2).

    Deterministic: components come from the covariance's eigenvectors, each signed so its
    largest coordinate is positive. Fewer than two distinct vectors map to the centre.
    """
    data = np.asarray(vectors, dtype=np.float64)
    if data.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array, got shape {data.shape}")
    n = data.shape[0]
    points = np.full((n, 2), 0.5)
    if n < 2 or data.shape[1] == 0:
        return points
    centred = data - data.mean(axis=0)
    _, eigenvectors = np.linalg.eigh(centred.T @ centred)
    components = eigenvectors[:, ::-1][:, :2]
    if components.shape[1] < 2:
        components = np.pad(components, ((0, 0), (0, 2 - components.shape[1])))
    strongest = np.argmax(np.abs(components), axis=0)
    components = components * np.sign(components[strongest, [0, 1]] + 1e-300)
    projected = centred @ components
    low, high = projected.min(axis=0), projected.max(axis=0)
    span = high - low
    spread = span > 1e-12
    points[:, spread] = (projected[:, spread] - low[spread]) / span[spread]
    return points
