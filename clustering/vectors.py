"""Article vectors: the one place clustering asks embeddings/ for vectors."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from embeddings import DocumentEncoder, Embedder


def embed_articles(
    articles: pd.DataFrame,
    embedder: Embedder,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """One L2-normalised vector per article row, from its title, lead and body chunks."""
    encoder = DocumentEncoder(embedder)
    return encoder.encode(list(articles["title"]), list(articles["text"]), progress)
