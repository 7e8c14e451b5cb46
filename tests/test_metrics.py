"""Metrics checked against small cases worked out by hand."""

from __future__ import annotations

import pytest

from clustering.evaluation.metrics import score


def test_perfect_grouping():
    s = score(["x", "x", "y"], ["a", "a", "b"])
    assert (s.bcubed_precision, s.bcubed_recall, s.bcubed_f1) == (1.0, 1.0, 1.0)
    assert (s.pair_precision, s.pair_recall, s.pair_f1) == (1.0, 1.0, 1.0)
    assert s.ari == pytest.approx(1.0) and s.nmi == pytest.approx(1.0)


def test_hand_computed_case():
    # gold: {1,2,3} {4,5}; predicted: {1,2} {3,4,5}
    s = score(["p", "p", "q", "q", "q"], ["a", "a", "a", "b", "b"])
    # BCubed precision per item: 1, 1, 1/3, 2/3, 2/3 -> 11/15
    assert s.bcubed_precision == pytest.approx(11 / 15)
    # BCubed recall per item: 2/3, 2/3, 1/3, 1, 1 -> 11/15
    assert s.bcubed_recall == pytest.approx(11 / 15)
    assert s.bcubed_f1 == pytest.approx(11 / 15)
    # pairs together in both: (1,2), (4,5) = 2; predicted pairs 1 + 3 = 4; gold pairs 3 + 1 = 4
    assert (s.pair_precision, s.pair_recall) == (0.5, 0.5)
    # ARI from the contingency table [[2,1],[0,2]]: index 2, expected 4*4/10 = 1.6, max 4
    assert s.ari == pytest.approx((2 - 1.6) / (4 - 1.6))
    assert (s.articles, s.predicted_stories, s.gold_stories) == (5, 2, 2)


def test_all_singletons():
    s = score(["1", "2", "3", "4"], ["a", "a", "b", "b"])
    assert s.bcubed_precision == 1.0 and s.bcubed_recall == 0.5
    assert s.bcubed_f1 == pytest.approx(2 / 3)
    assert (s.pair_precision, s.pair_recall, s.pair_f1) == (1.0, 0.0, 0.0)


def test_one_big_cluster():
    s = score(["x"] * 4, ["a", "a", "b", "b"])
    assert s.bcubed_precision == 0.5 and s.bcubed_recall == 1.0
    assert s.pair_precision == pytest.approx(2 / 6) and s.pair_recall == 1.0


def test_lengths_must_match():
    with pytest.raises(ValueError, match="3 predicted labels for 2 gold labels"):
        score([1, 2, 3], [1, 2])
