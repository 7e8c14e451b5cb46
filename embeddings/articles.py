"""Article vectors: the one place clustering asks embeddings/ for vectors."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from embeddings.base import Embedder
from embeddings.documents import BATCH_SIZE, DocumentEncoder


def embed_articles(
    articles: pd.DataFrame,
    embedder: Embedder,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> np.ndarray:
    """One L2-normalised vector per article row, from its title, lead and body chunks.

    Texts go to ``embedder.encode`` ``batch_size`` at a time.
    """
    encoder = DocumentEncoder(embedder, batch_size=batch_size)
    return encoder.encode(list(articles["title"]), list(articles["text"]), progress)


def check_embeddings(embeddings: np.ndarray, articles: int) -> np.ndarray:
    """``embeddings`` as an array, after checking it has one row per article."""
    embeddings = np.asarray(embeddings)
    if embeddings.ndim != 2 or embeddings.shape[0] != articles:
        raise ValueError(
            f"embeddings must have one row per article: "
            f"got shape {embeddings.shape} for {articles} articles"
        )
    return embeddings
