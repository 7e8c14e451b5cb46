"""Which model opens a story store: the one it was made with, which the store records."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from clustering.store.database import StoreError, recorded_model
from embeddings import (
    DEFAULT_MODEL,
    CachedEmbedder,
    Embedder,
    EmbedderBase,
    EmbedderError,
    get_embedder,
    list_models,
)

_ST_PREFIX = "sentence-transformers:"


def makes(model: str) -> bool:
    """Whether samestory makes ``model`` by name (a custom model it cannot)."""
    return model in list_models() or model.startswith(_ST_PREFIX)


class RecordedModel(EmbedderBase):
    """Stands for a store's model that samestory cannot make, to read the store's vectors."""

    def __init__(self, model: str) -> None:
        self.model = model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Refused: only the program that made the store has this model."""
        raise EmbedderError(f"cannot embed with {self.model}: open the store from Python with it")


def store_embedder(
    path: str | os.PathLike[str],
    model: str | None = None,
    *,
    read_only: bool = False,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Embedder:
    """The embedder for the store at ``path``: its own model when ``model`` is None.

    Another ``model`` than the store's is a :class:`StoreError` naming the store's; so is a
    missing store when ``read_only``. For a store still to be made (the default model
    then), the model must load first, so a mistyped name creates nothing.
    """
    path = Path(path)
    recorded = recorded_model(path)
    if read_only and not path.exists():
        raise StoreError(f"{path}: no such story store")
    if model is None and recorded:
        if makes(recorded):
            model = recorded
        elif read_only:
            return RecordedModel(recorded)  # its vectors are stored: enough to read
        else:
            raise StoreError(
                f"{path} holds vectors of {recorded}, a model samestory cannot make by name: "
                "add to it from Python with that embedder"
            )
    if model is None:
        model = DEFAULT_MODEL
    embedder = get_embedder(model)
    if recorded is None:
        embedder.encode([])  # loads a model that needs loading: fails on a typo
    elif embedder.model != recorded:
        raise StoreError(
            f"{path} holds vectors of {recorded}, not {embedder.model}: "
            "leave the model out to use the store's"
        )
    return CachedEmbedder(embedder, cache_dir) if cache else embedder
