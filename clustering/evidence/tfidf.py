"""Pairwise TF-IDF cosine of token lists, fast on the small batches the story store sees.

Tokens become integers through one process-wide vocabulary, and each text's token ids
are remembered, so a text seen before (a stored neighbour, say) costs no Python loop.
Columns are ordered by first appearance in the batch. With the IDF of the batch, the
result is exactly what a vocabulary built for the batch alone gives (scikit-learn's
TfidfVectorizer, sublinear tf, smooth idf, l2 rows), whatever the process saw before;
with a background IDF (see :mod:`clustering.evidence.background`), each text's vector
depends on that text alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_matrix

from clustering.evidence.background import bucket

#: The vocabulary (and with it every remembered text) is dropped past this many tokens.
VOCABULARY_LIMIT = 2_000_000

_vocabulary: dict[str, int] = {}
#: The hash bucket (see :func:`~clustering.evidence.background.bucket`) of every token id.
_buckets: list[int] = []

#: Inverse document frequencies of some token ids, given as their hash buckets.
IDF = Callable[[np.ndarray], np.ndarray]


def _token_id(token: str) -> int:
    found = _vocabulary.get(token)
    if found is None:
        found = _vocabulary[token] = len(_vocabulary)
        _buckets.append(bucket(token))
    return found


class TokenIds:
    """Token ids of texts under one tokenizer, remembered for the most recent texts."""

    def __init__(self, tokenize: Callable[[str], Sequence[str]], remember: int = 8192) -> None:
        self.tokenize = tokenize
        self.ids = lru_cache(maxsize=remember)(self._ids)
        _tokenizers.append(self)

    def _ids(self, text: str) -> np.ndarray:
        tokens = self.tokenize(text)
        return np.fromiter((_token_id(token) for token in tokens), np.int64, len(tokens))


_tokenizers: list[TokenIds] = []


def _bound_vocabulary() -> None:
    """Start afresh once the vocabulary is large (before a batch, never during one)."""
    if len(_vocabulary) > VOCABULARY_LIMIT:
        _vocabulary.clear()
        _buckets.clear()
        for tokenizer in _tokenizers:
            tokenizer.ids.cache_clear()


def tfidf_rows(
    texts: Sequence[str], tokens: TokenIds, min_df: int = 1, idf: IDF | None = None
) -> csr_matrix:
    """The texts' l2-normalised TF-IDF vectors, one sparse row each.

    ``idf`` gives the weights of tokens from their hash buckets (a background); without
    it the IDF is the batch's own. Terms in fewer than ``min_df`` texts are dropped; a
    text with no terms left is an empty row (like no text, itself included, as in
    scikit-learn).
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
    if idf is None:
        weights = np.log((1 + n) / (1 + df)) + 1.0
    else:
        by_rank = np.empty(width, dtype=np.int64)
        by_rank[rank] = unique
        weights = idf(np.array([_buckets[i] for i in by_rank], dtype=np.int64))
    data = (1.0 + np.log(counts)) * weights[col]
    data /= np.sqrt(np.bincount(row, weights=data**2, minlength=n))[row]
    return csr_matrix((data, (row, col)), shape=(n, width))


def row_cosine(
    weighted: csr_matrix,
    rows: np.ndarray | slice = slice(None),
    cols: np.ndarray | slice = slice(None),
) -> np.ndarray:
    """Cosines between some rows and some other rows of l2-normalised vectors, float32."""
    return (weighted[rows] @ weighted[cols].T).toarray().astype(np.float32)


def row_dots(
    weighted: csr_matrix, left: np.ndarray, right: np.ndarray, other: csr_matrix | None = None
) -> np.ndarray:
    """Dot products of the row pairs (``left[k]``, ``right[k]``), float32.

    Cosines for l2-normalised vectors; with ``other``, the right rows are ``other``'s.
    """
    products = weighted[left].multiply((weighted if other is None else other)[right])
    return np.asarray(products.sum(axis=1), dtype=np.float32).ravel()
