"""The Embedder protocol that every backend implements, and shared helpers.

A model's identity has two words, used the same way everywhere in samestory:

- **model**: which model, as a user names it: ``--model use``, ``get_embedder("e5")``,
  ``"sentence-transformers:NAME"``, or the name of an embedder of your own. A pair model
  file and a story store record it; shipped pair models (``pair-MODEL.json``) and
  centrings (``MODEL-centring.npz``) are found by it.
- **version**: exactly which weights and engine make the vectors
  (``"use-multilingual-v3@1.0.2"``, ``"multilingual-e5-small-q4@0.3.0+numpy"``). The
  vector cache keys on it: two embedders of the same version must give the same vectors.

Files written before this vocabulary keep loading: stores recorded a bundled model by its
version without the release (``"use-multilingual-v3"``, read as ``"use"``), pair model
files of a model that is not bundled by its version.
"""

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

    ``model`` and ``version`` are its identity (see the module docstring).
    ``max_distance`` is the cosine distance beyond which the model's vectors are never the
    same story: models spread their cosines differently (e5's are compressed into 0.8 to
    0.95), so the cut-off belongs to the model. Subclass :class:`EmbedderBase` to get the
    defaults for both.
    """

    max_distance: float

    @property
    def model(self) -> str:
        """Which model, as a user names it (``"use"``)."""
        ...

    @property
    def version(self) -> str:
        """Which weights and engine make the vectors: the vector cache's key."""
        ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return a ``(len(texts), dim)`` float32 array of L2-normalised rows."""
        ...


class EmbedderBase:
    """Defaults for an :class:`Embedder` of your own: the model ``"custom"``, the default cut-off.

    Its version is its model unless set: give one that changes when the vectors do.
    """

    model: str = "custom"
    max_distance: float = DEFAULT_MAX_DISTANCE

    @property
    def version(self) -> str:
        """The version set, else the model."""
        return str(self.__dict__.get("_version", self.model))

    @version.setter
    def version(self, value: str) -> None:
        self._version = value


def check_embedder(embedder: object) -> Embedder:
    """``embedder`` itself, after checking it has every member of :class:`Embedder`."""
    if not isinstance(embedder, Embedder):
        missing = [
            name
            for name in ("model", "version", "max_distance", "encode")
            if not hasattr(embedder, name)
        ]
        renamed = " (key and name are now model and version)" if hasattr(embedder, "key") else ""
        raise EmbedderError(
            f"{type(embedder).__name__} is not an Embedder: it lacks {', '.join(missing)}"
            f"{renamed} (subclass embeddings.EmbedderBase for the defaults)"
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
