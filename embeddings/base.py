"""The Embedder protocol that every backend implements, and shared helpers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


class EmbedderError(RuntimeError):
    """A backend cannot be loaded or used (missing package, unknown model, bad output)."""


#: Cosine distance beyond which vectors are never the same story, for models that do not
#: state their own.
DEFAULT_MAX_DISTANCE = 0.5


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors; everything the rest of samestory reads from a model.

    ``name`` identifies the model and its version; the cache keys on it, so two embedders
    with the same name must give the same vectors. ``key`` is the bundled-model key
    (``"use"``, ``"e5"``) that shipped pair models and centring are looked up by, or None.
    ``max_distance`` is the cosine distance beyond which the model's vectors are never the
    same story: models spread their cosines differently (e5's are compressed into 0.8 to
    0.95), so the cut-off belongs to the model. Subclass :class:`EmbedderBase` to get the
    defaults for both.
    """

    name: str
    key: str | None
    max_distance: float

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return a ``(len(texts), dim)`` float32 array of L2-normalised rows."""
        ...


class EmbedderBase:
    """Defaults for an :class:`Embedder` of your own: no bundled key, the default cut-off."""

    name: str = "custom"
    key: str | None = None
    max_distance: float = DEFAULT_MAX_DISTANCE


def check_embedder(embedder: object) -> Embedder:
    """``embedder`` itself, after checking it has every member of :class:`Embedder`."""
    if not isinstance(embedder, Embedder):
        missing = [
            name
            for name in ("name", "key", "max_distance", "encode")
            if not hasattr(embedder, name)
        ]
        raise EmbedderError(
            f"{type(embedder).__name__} is not an Embedder: it lacks {', '.join(missing)} "
            "(subclass embeddings.EmbedderBase for the defaults)"
        )
    return embedder


def install_hint(extra: str) -> str:
    """The pip command that installs one of samestory's optional extras."""
    return f"pip install 'samestory[{extra}]'"


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
