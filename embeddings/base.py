"""The Embedder protocol that every backend implements, and shared helpers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


class EmbedderError(RuntimeError):
    """A backend cannot be loaded or used (missing package, unknown model, bad output)."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors.

    ``name`` identifies the model and its version; the cache keys on it, so two embedders
    with the same name must give the same vectors. A backend may also set ``max_distance``,
    the cosine distance beyond which its vectors are never the same story (see
    :func:`story_cutoff`).
    """

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return a ``(len(texts), dim)`` float32 array of L2-normalised rows."""
        ...


#: Cut-off for embedders that do not state their own.
DEFAULT_MAX_DISTANCE = 0.5


def story_cutoff(embedder: object) -> float:
    """The cosine distance beyond which ``embedder``'s vectors are never the same story.

    Models spread their cosines differently (e5's are compressed into 0.8 to 0.95), so the
    cut-off belongs to the model.
    """
    inner = getattr(embedder, "embedder", None)
    if inner is not None and not hasattr(embedder, "max_distance"):
        return story_cutoff(inner)
    return float(getattr(embedder, "max_distance", DEFAULT_MAX_DISTANCE))


def embedder_key(embedder: object) -> str | None:
    """The bundled-model key (``"use"``, ``"e5"``) of an embedder or of the one it wraps."""
    key = getattr(embedder, "key", None)
    inner = getattr(embedder, "embedder", None)
    if key is None and inner is not None:
        return embedder_key(inner)
    return key


def normalize(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise the rows of ``vectors`` as float32; all-zero rows stay zero.

    Rows already of unit length (to 1e-6) are kept bit for bit, so normalising twice
    changes nothing: vectors handed back to a clusterer give the same stories.
    """
    out = np.asarray(vectors, dtype=np.float32)
    if out.ndim != 2:
        raise EmbedderError(f"expected a 2-D array of vectors, got shape {out.shape}")
    norms = np.linalg.norm(out.astype(np.float64), axis=1, keepdims=True)
    norms[(norms == 0) | (np.abs(norms - 1.0) <= 1e-6)] = 1.0
    return (out / norms).astype(np.float32)


def package_version(distribution: str) -> str:
    """Installed version of ``distribution``, or ``"unknown"``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"
