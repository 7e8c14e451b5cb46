"""benchmarks/semeval_alignment.py: how its bodies models read the ratings."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.semeval_alignment import fitted


def test_the_alignment_benchmarks_label_schemes() -> None:
    # The shipped fit weighs each pair by its rating; a binary cut leaves out the ratings
    # between the cut and 3, so moving those changes nothing.
    x = np.array([[0.0], [0.2], [0.5], [0.6], [0.9], [1.0]])
    ratings = np.array([4.0, 3.0, 2.5, 2.0, 1.5, 1.0])
    moved = ratings.copy()
    moved[2] = 2.9
    cut = fitted(x, ratings, "same at most 1.5")
    assert cut.predict_proba(x)[:, 1].tolist() == pytest.approx(
        fitted(x, moved, "same at most 1.5").predict_proba(x)[:, 1].tolist()
    )
    weighted = fitted(x, ratings).predict_proba(x)[:, 1]
    assert weighted.tolist() != pytest.approx(fitted(x, moved).predict_proba(x)[:, 1].tolist())
    assert (np.diff(weighted) > 0).all() and (np.diff(cut.predict_proba(x)[:, 1]) > 0).all()
