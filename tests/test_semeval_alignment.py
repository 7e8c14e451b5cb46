"""benchmarks/semeval_alignment.py: how its bodies models read the ratings."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.semeval_alignment import fitted

X = np.array([[0.0], [0.2], [0.5], [0.6], [0.9], [1.0]])
RATINGS = np.array([4.0, 3.0, 2.5, 2.0, 1.5, 1.0])


def _moved(row: int) -> np.ndarray:
    x = X.copy()
    x[row] = 0.05
    return x


@pytest.mark.parametrize("labels", ["same at most 2", "same at most 1.5"])
def test_a_binary_cut_leaves_out_the_ratings_between_it_and_3(labels: str) -> None:
    # Row 2 (rated 2.5) is left out by either cut: moving it changes nothing; moving row 4
    # (rated 1.5, in both) changes the fit.
    p = fitted(X, RATINGS, labels)(X)
    assert fitted(_moved(2), RATINGS, labels)(X).tolist() == pytest.approx(p.tolist())
    assert fitted(_moved(4), RATINGS, labels)(X).tolist() != pytest.approx(p.tolist())
    assert (np.diff(p) > 0).all()


def test_the_cuts_read_a_rating_of_2_apart() -> None:
    # Rated 2: the same story at most 2, left out at most 1.5.
    assert fitted(_moved(3), RATINGS, "same at most 1.5")(X).tolist() == pytest.approx(
        fitted(X, RATINGS, "same at most 1.5")(X).tolist()
    )
    assert fitted(_moved(3), RATINGS, "same at most 2")(X).tolist() != pytest.approx(
        fitted(X, RATINGS, "same at most 2")(X).tolist()
    )


def test_the_weighted_reading_uses_every_pair_and_no_constant_column() -> None:
    p = fitted(X, RATINGS)(X)
    assert fitted(_moved(2), RATINGS)(X).tolist() != pytest.approx(p.tolist())
    with_constant = np.c_[X, np.ones(len(X))]
    assert fitted(with_constant, RATINGS)(with_constant).tolist() == pytest.approx(p.tolist())
