"""Multilingual text vectors for samestory: one protocol, several offline backends, a cache.

This package knows nothing of stories: it turns texts into L2-normalised float32 vectors.
"""

from embeddings.articles import check_embeddings, embed_articles
from embeddings.base import (
    Embedder,
    EmbedderBase,
    EmbedderError,
    check_embedder,
    install_hint,
    normalize,
)
from embeddings.cache import CachedEmbedder, CacheWarning, default_cache_dir
from embeddings.documents import DocumentEncoder, encode_in_batches, lead, split_document
from embeddings.registry import (
    DEFAULT_MODEL,
    get_embedder,
    list_models,
    make_embedder,
    model_languages,
)

__all__ = [
    "DEFAULT_MODEL",
    "CacheWarning",
    "CachedEmbedder",
    "DocumentEncoder",
    "Embedder",
    "EmbedderBase",
    "EmbedderError",
    "check_embedder",
    "check_embeddings",
    "default_cache_dir",
    "embed_articles",
    "encode_in_batches",
    "get_embedder",
    "install_hint",
    "lead",
    "list_models",
    "make_embedder",
    "model_languages",
    "normalize",
    "split_document",
]
