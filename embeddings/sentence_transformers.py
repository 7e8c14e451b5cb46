"""Any sentence-transformers model, from a local path or the local Hugging Face cache only."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.base import DEFAULT_MAX_DISTANCE, EmbedderError, install_hint, normalize

INSTALL_HINT = install_hint("sentence-transformers")


class SentenceTransformerEmbedder:
    """A sentence-transformers model by name or local path, on the CPU, never downloaded.

    A name that is not a local directory must already be in the local Hugging Face cache:
    samestory makes no network request at run time.
    """

    def __init__(self, model: str | os.PathLike[str], batch_size: int = 64) -> None:
        self.source = str(model)
        self.batch_size = batch_size
        path = Path(self.source).expanduser()
        label = str(path.resolve()) if path.is_dir() else self.source
        self.model = self.version = f"sentence-transformers:{label}"
        self.max_distance = DEFAULT_MAX_DISTANCE
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise EmbedderError(
                    f"model {self.source!r} needs sentence-transformers: {INSTALL_HINT}"
                ) from exc
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                self._model = SentenceTransformer(self.source, device="cpu", local_files_only=True)
            except Exception as exc:  # the library raises many kinds for a missing model
                raise EmbedderError(
                    f"cannot load sentence-transformers model {self.source!r} offline: "
                    "give a local directory or a model already in the Hugging Face cache"
                ) from exc
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` as L2-normalised rows."""
        model = self._load()
        if not texts:
            return np.zeros((0, model.get_sentence_embedding_dimension()), dtype=np.float32)
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return normalize(vectors)
