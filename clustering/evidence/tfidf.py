"""Pairwise TF-IDF cosine of token lists, fast on the small batches the story store sees.

Tokens become integers through one process-wide vocabulary, and each text's token ids
are remembered, so a text seen before (a stored neighbour, say) costs no Python loop.
Columns are ordered by first appearance in the batch, so the result is exactly what a
vocabulary built for the batch alone gives (scikit-learn's TfidfVectorizer, sublinear
tf, smooth idf, l2 rows), whatever the process saw before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_matrix

#: The vocabulary (and with it every remembered text) is dropped past this many tokens.
VOCABULARY_LIMIT = 2_000_000

_vocabulary: dict[str, int] = {}


class TokenIds:
    """Token ids of texts under one tokenizer, remembered for the most recent texts."""

    def __init__(self, tokenize: Callable[[str], Sequence[str]], remember: int = 8192) -> None:
        self.tokenize = tokenize
        self.ids = lru_cache(maxsize=remember)(self._ids)
        _tokenizers.append(self)

    def _ids(self, text: str) -> np.ndarray:
        setdefault = _vocabulary.setdefault
        tokens = self.tokenize(text)
        return np.fromiter(
            (setdefault(token, len(_vocabulary)) for token in tokens), np.int64, len(tokens)
        )


_tokenizers: list[TokenIds] = []


def _bound_vocabulary() -> None:
    """Start afresh once the vocabulary is large (before a batch, never during one)."""
    if len(_vocabulary) > VOCABULARY_LIMIT:
        _vocabulary.clear()
        for tokenizer in _tokenizers:
            tokenizer.ids.cache_clear()


def tfidf_rows(texts: Sequence[str], tokens: TokenIds, min_df: int = 1) -> csr_matrix:
    """The texts' l2-normalised TF-IDF vectors, one sparse row each.

    Terms in fewer than ``min_df`` texts are dropped; a text with no terms left is an
    empty row (like no text, itself included, as in scikit-learn).
    """
    _bound_vocabulary()
    documents = [tokens.ids(text) for text in texts]
    n = len(documents)
    lengths = np.fromiter((len(d) for d in documents), np.int64, n)
    ids = np.concatenate(documents) if n else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(n), lengths)
    unique, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    rank = np.empty(len(unique), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(unique))
    width = len(unique)
    cells, counts = np.unique(rows * width + rank[inverse], return_counts=True)
    row, col = np.divmod(cells, width) if width else (cells, cells)
    df = np.bincount(col, minlength=width)
    kept = df[col] >= min_df
    row, col, counts = row[kept], col[kept], counts[kept]
    data = (1.0 + np.log(counts)) * (np.log((1 + n) / (1 + df[col])) + 1.0)
    data /= np.sqrt(np.bincount(row, weights=data**2, minlength=n))[row]
    return csr_matrix((data, (row, col)), shape=(n, width))


def row_cosine(
    weighted: csr_matrix,
    rows: np.ndarray | slice = slice(None),
    cols: np.ndarray | slice = slice(None),
) -> np.ndarray:
    """Cosines between some rows and some other rows of l2-normalised vectors, float32."""
    return (weighted[rows] @ weighted[cols].T).toarray().astype(np.float32)


def row_dots(weighted: csr_matrix, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Cosines of the row pairs (``left[k]``, ``right[k]``) of l2-normalised vectors, float32."""
    products = weighted[left].multiply(weighted[right])
    return np.asarray(products.sum(axis=1), dtype=np.float32).ravel()
