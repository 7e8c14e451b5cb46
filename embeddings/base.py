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
    with the same name must give the same vectors.
    """

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return a ``(len(texts), dim)`` float32 array of L2-normalised rows."""
        ...


def normalize(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise the rows of ``vectors`` as float32; all-zero rows stay zero."""
    out = np.asarray(vectors, dtype=np.float32)
    if out.ndim != 2:
        raise EmbedderError(f"expected a 2-D array of vectors, got shape {out.shape}")
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return out / norms


def package_version(distribution: str) -> str:
    """Installed version of ``distribution``, or ``"unknown"``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"
