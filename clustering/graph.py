"""Evidence for large batches as a sparse graph: only pairs close in time are compared.

Past a few thousand articles a dense n×n matrix no longer fits a laptop. Articles are
sorted by publication time and compared chunk by chunk with the articles within
``window_hours`` of them; an undated article is compared with every other. Of each
block only the pairs with a score of at least ``floor`` are kept. On the OG2021 dev
titles (5,539, 45 days) the pairs with P(same story) ≥ 0.01 that are more than 120 hours
apart are fewer than 1 in 100, and dropping them leaves BCubed F1 within 0.001.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import minimum_spanning_tree

#: Rows per block: a block of 512 × (articles in the window) stays a few tens of MB.
CHUNK = 512

#: Scores of a block of pairs (``rows`` × ``cols``, as indices), as a float matrix.
BlockScores = Callable[[np.ndarray, np.ndarray], np.ndarray]


def time_blocks(
    hours: np.ndarray, window_hours: float, chunk: int = CHUNK
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Blocks of (row indices, column indices) that hold every pair within the window.

    Each unordered pair within ``window_hours`` (or with an undated side) has its earlier
    article (by time, undated last, then index) among the rows of exactly one block and
    its later one among that block's columns; :func:`sparse_scores` keeps only that order.
    """
    order = np.lexsort((np.arange(len(hours)), hours))
    dated = int(np.count_nonzero(~np.isnan(hours)))
    sorted_hours = hours[order[:dated]]
    undated = order[dated:]
    for start in range(0, len(order), chunk):
        stop = min(start + chunk, len(order))
        if start >= dated:
            yield order[start:stop], order[start:]
            continue
        stop = min(stop, dated)
        reach = int(np.searchsorted(sorted_hours, sorted_hours[stop - 1] + window_hours, "right"))
        yield order[start:stop], np.concatenate([order[start:reach], undated])
        if stop < min(start + chunk, len(order)):
            yield order[stop : start + chunk], order[stop:]


def sparse_scores(
    n: int,
    hours: np.ndarray,
    window_hours: float,
    scores: BlockScores,
    floor: float,
) -> csr_matrix:
    """Symmetric sparse matrix of the scores ≥ ``floor`` of pairs within the window.

    The diagonal is 1. Pairs farther apart in time than ``window_hours`` (both dated)
    are left out whatever their score.
    """
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((np.arange(n), hours))] = np.arange(n)
    found_rows, found_cols, found_values = [], [], []
    for rows, cols in time_blocks(hours, window_hours):
        block = scores(rows, cols)
        gap = np.abs(hours[rows][:, None] - hours[cols][None, :])
        keep = (block >= floor) & ~(gap > window_hours) & (rank[rows][:, None] < rank[cols])
        r, c = np.nonzero(keep)
        found_rows.append(rows[r].astype(np.int32))
        found_cols.append(cols[c].astype(np.int32))
        found_values.append(block[r, c].astype(np.float32))
    i = np.concatenate([*found_rows, *found_cols, np.arange(n, dtype=np.int32)])
    j = np.concatenate([*found_cols, *found_rows, np.arange(n, dtype=np.int32)])
    del found_rows, found_cols
    values = np.concatenate([*found_values, *found_values, np.ones(n, dtype=np.float32)])
    return coo_matrix((values, (i, j)), shape=(n, n)).tocsr()


def row_normalized(matrix: csr_matrix) -> csr_matrix:
    """The rows of a sparse matrix scaled to unit length (zero rows stay zero)."""
    squares = matrix.copy()
    squares.data **= 2
    norms = np.sqrt(np.asarray(squares.sum(axis=1), dtype=matrix.dtype)).ravel()
    del squares
    norms[norms == 0] = 1
    scaled = matrix.copy()
    scaled.data /= np.repeat(norms, np.diff(scaled.indptr))
    return scaled


def row_cosine_block(rows: csr_matrix, members: np.ndarray) -> np.ndarray:
    """Cosines among some rows of a row-normalised sparse matrix, as a dense block.

    Only the columns those rows use are made dense, so the product runs in BLAS.
    """
    block = rows[members]
    used = np.unique(block.indices)
    dense = block[:, used].toarray().astype(np.float64)
    return dense @ dense.T


#: Components larger than this get a sparse k-nearest-neighbour distance graph.
DENSE_COMPONENT = 4000

#: Neighbours per article in that graph (a spanning tree keeps it connected).
NEIGHBOURS = 15


def second_order_knn(
    rows: csr_matrix,
    graph: csr_matrix,
    members: np.ndarray,
    hours: np.ndarray,
    distance: Callable[[np.ndarray], np.ndarray],
    neighbours: int = NEIGHBOURS,
) -> csr_matrix:
    """Sparse second-order distances among ``members`` for HDBSCAN, in their order.

    Distances are computed only for the candidate pairs of ``graph`` (1 − cosine of the
    row-normalised ``rows``, via ``distance``), in blocks of members close in time so
    each block's products run in BLAS. Each member keeps its ``neighbours`` nearest;
    the minimum spanning tree of all candidate pairs is added, so HDBSCAN sees one
    connected graph whose spanning tree is the one of the full candidate graph.
    """
    m = len(members)
    by_time = np.lexsort((members, hours[members]))
    position = np.empty(m, dtype=np.int64)
    position[by_time] = np.arange(m)
    ordered = members[by_time]
    sub = graph[ordered][:, ordered].tocsr()
    found_rows, found_cols, found_values = [], [], []
    for start in range(0, m, CHUNK):
        block = sub[start : start + CHUNK]
        partners = np.unique(block.indices)
        partner_rows = rows[ordered[partners]]
        used = np.unique(partner_rows.indices)
        left = rows[ordered[start : start + CHUNK]][:, used].toarray().astype(np.float64)
        right = partner_rows[:, used].toarray().astype(np.float64)
        similarity = left @ right.T
        local = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
        values = distance(similarity[local, np.searchsorted(partners, block.indices)])
        off = block.indices != local + start
        found_rows.append(local[off] + start)
        found_cols.append(block.indices[off])
        found_values.append(values[off])
    i, j, d = np.concatenate(found_rows), np.concatenate(found_cols), np.concatenate(found_values)
    d = np.maximum(d, 1e-7)  # a stored zero would read as "no edge"
    full = coo_matrix((d, (i, j)), shape=(m, m)).tocsr()
    full = full.minimum(full.T).tocsr()
    order = np.lexsort((full.data, np.repeat(np.arange(m), np.diff(full.indptr))))
    rank = np.arange(len(order)) - np.repeat(full.indptr[:-1], np.diff(full.indptr))
    keep = order[rank < neighbours]
    near_rows = np.repeat(np.arange(m), np.diff(full.indptr))[keep]
    knn = coo_matrix((full.data[keep], (near_rows, full.indices[keep])), shape=(m, m)).tocsr()
    tree = minimum_spanning_tree(full)
    joined = knn.maximum(knn.T).maximum(tree).maximum(tree.T).tocsr()
    return joined[position][:, position].tocsr()
