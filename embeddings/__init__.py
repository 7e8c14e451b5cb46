"""Multilingual text vectors for samestory: one protocol, several offline backends, a cache.

This package knows nothing of stories: it turns texts into L2-normalised float32 vectors.
"""

from embeddings.articles import check_embeddings, embed_articles
from embeddings.base import (
    Embedder,
    EmbedderError,
    embedder_key,
    normalize,
    story_cutoff,
)
from embeddings.cache import CachedEmbedder, default_cache_dir
from embeddings.documents import DocumentEncoder, encode_in_batches, split_document
from embeddings.registry import DEFAULT_MODEL, get_embedder, list_models, make_embedder

__all__ = [
    "DEFAULT_MODEL",
    "CachedEmbedder",
    "DocumentEncoder",
    "Embedder",
    "EmbedderError",
    "check_embeddings",
    "default_cache_dir",
    "embed_articles",
    "embedder_key",
    "encode_in_batches",
    "get_embedder",
    "list_models",
    "make_embedder",
    "normalize",
    "split_document",
    "story_cutoff",
]
