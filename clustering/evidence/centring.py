"""Per-language mean centring of text vectors, with means learned on dev data and shipped.

Embeddings of one language share a common direction that says "this is German" rather
than what the text is about; cross-lingual cosines improve when each vector loses its
language's mean. The means are learned per kind of text (``lead``, ``full``) by
``training/train_centring.py`` and ship in ``clustering/models/MODEL-centring.npz``.
Languages without a mean of their own lose the mean over all languages. A centring records
the version of the model its means are of (see :mod:`embeddings.base`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from embeddings import normalize


@dataclass(frozen=True)
class LanguageMeans:
    """The mean vector over all languages and one per language, for one kind of text."""

    overall: np.ndarray
    by_language: dict[str, np.ndarray]

    def centre(self, vectors: np.ndarray, langs: Sequence[str | None]) -> np.ndarray:
        """``vectors`` minus their language's mean (the overall one when unknown), normalised."""
        means = np.stack([self.by_language.get(lang or "", self.overall) for lang in langs])
        return normalize(np.asarray(vectors, dtype=np.float32) - means.reshape(vectors.shape))


@dataclass(frozen=True)
class Centring:
    """Language means of one embedding model (of ``version``) for each kind of text."""

    version: str
    kinds: dict[str, LanguageMeans]

    def centre(self, kind: str, vectors: np.ndarray, langs: Sequence[str | None]) -> np.ndarray:
        """Centre ``vectors`` of texts of ``kind`` (e.g. ``"lead"``) in languages ``langs``."""
        return self.kinds[kind].centre(vectors, langs)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the means as a small ``.npz`` file."""
        arrays: dict[str, np.ndarray] = {"version": np.array(self.version)}
        for kind, means in self.kinds.items():
            languages = sorted(means.by_language)
            arrays[f"{kind}/languages"] = np.array(languages, dtype=str)
            rows = [means.overall, *(means.by_language[lang] for lang in languages)]
            arrays[f"{kind}/means"] = np.stack(rows).astype(np.float32)
        with open(path, "wb") as handle:
            np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]

    @classmethod
    def from_bytes(cls, data: bytes) -> Centring:
        """Read the ``.npz`` form written by :meth:`save` (before the vocabulary: ``model``)."""
        with np.load(io.BytesIO(data)) as arrays:
            kinds = {}
            for name in arrays.files:
                if name.endswith("/means"):
                    kind = name.removesuffix("/means")
                    means = arrays[name]
                    languages = [str(lang) for lang in arrays[f"{kind}/languages"]]
                    kinds[kind] = LanguageMeans(
                        means[0], dict(zip(languages, means[1:], strict=True))
                    )
            version = arrays["version" if "version" in arrays.files else "model"]
            return cls(version=str(version), kinds=kinds)


@cache
def shipped_centring(model: str) -> Centring | None:
    """The centring shipped for a bundled model (``"e5"``), if there is one."""
    if Path(model).name != model:  # a path: no bundled model
        return None
    resource = resources.files("clustering.models") / f"{model}-centring.npz"
    if not resource.is_file():
        return None
    return Centring.from_bytes(resource.read_bytes())
