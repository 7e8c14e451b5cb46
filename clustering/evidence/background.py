"""Background word statistics shipped with the model, so no batch changes a pair's evidence.

How rare a word prefix, a character n-gram or a name skeleton is comes from document
frequencies counted once on a background corpus (the dev data, by
``training/train_background.py``), never from the batch at hand: a pair of articles gets
the same lexical evidence alone, among four others or among 100,000. Tokens are counted in
hashed buckets (CRC-32), so the file stays small and holds no text.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

#: Hash buckets per kind of token.
BUCKETS = 1 << 20

#: The kinds of tokens counted: romanised 4-letter word prefixes, character 3- to 5-grams
#: of romanised text, consonant skeletons of name-like words.
KINDS = ("prefix", "char", "skeleton")


def bucket(token: str) -> int:
    """The hash bucket of a token."""
    return zlib.crc32(token.encode("utf-8")) % BUCKETS


@dataclass(frozen=True)
class Background:
    """Document frequencies per hashed token, for each kind, over ``documents`` texts."""

    documents: int
    #: Per kind, the document frequency of every bucket (``BUCKETS`` counts).
    frequencies: dict[str, np.ndarray]

    def idf(self, kind: str, buckets: np.ndarray) -> np.ndarray:
        """Smoothed inverse document frequency of the tokens in ``buckets``, float64.

        ``log((1 + N) / (1 + df)) + 1``, as scikit-learn smooths it; a token the
        background never saw counts as the rarest.
        """
        df = self.frequencies[kind][buckets].astype(np.float64)
        return np.log((1.0 + self.documents) / (1.0 + df)) + 1.0

    def save(self, path: str | Path, min_df: int = 2) -> None:
        """Write the ``.npz`` form: the buckets counted at least ``min_df`` times, per kind."""
        arrays: dict[str, np.ndarray] = {"documents": np.array(self.documents)}
        for kind, counts in self.frequencies.items():
            kept = np.flatnonzero(counts >= min_df).astype(np.uint32)
            arrays[f"{kind}/buckets"] = kept
            arrays[f"{kind}/counts"] = counts[kept].astype(np.uint32)
        with open(path, "wb") as handle:
            np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: str | Path) -> Background:
        """Read what :meth:`save` wrote."""
        frequencies = {}
        with np.load(path) as data:
            for kind in KINDS:
                counts = np.zeros(BUCKETS, dtype=np.uint32)
                counts[data[f"{kind}/buckets"]] = data[f"{kind}/counts"]
                frequencies[kind] = counts
            return cls(int(data["documents"]), frequencies)


@cache
def shipped_background() -> Background:
    """The background shipped in ``clustering/models/background.npz``."""
    resource = resources.files("clustering.models") / "background.npz"
    with resources.as_file(resource) as path:
        return Background.load(path)
