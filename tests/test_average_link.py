"""Average linkage on P(same story): small linked groups split where the mean P is below 1/2."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix

import clustering.grouping.hdbscan_step as step_module
from clustering.evidence.distances import second_order_distance
from clustering.grouping.average_link import average_link_labels
from clustering.grouping.hdbscan_step import AverageLink, HDBSCANSettings, group_linked

# A and B, B and C are likely the same story; A and C are not: a chain through B.
CHAIN = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.9], [0.0, 0.9, 1.0]])


def _two_pairs(cross: float) -> np.ndarray:
    """Two pairs at P 0.95, every pair across them at ``cross``."""
    scores = np.full((4, 4), cross)
    scores[:2, :2] = scores[2:, 2:] = 0.95
    np.fill_diagonal(scores, 1.0)
    return scores


def _never_apart(members: np.ndarray) -> np.ndarray:
    return np.zeros((len(members), len(members)), dtype=bool)


def test_a_chain_keeps_the_pair_and_leaves_the_third_out():
    # {A, B} then C: mean P (0.9 + 0.0) / 2 = 0.45 < 0.5.
    assert average_link_labels(CHAIN, 0.5, 2).tolist() == [0, 0, -1]


@pytest.mark.parametrize(("cross", "expected"), [(0.6, [0, 0, 0, 0]), (0.4, [0, 0, 1, 1])])
def test_groups_merge_when_their_mean_p_reaches_the_link(cross, expected):
    assert average_link_labels(_two_pairs(cross), 0.5, 2).tolist() == expected


def test_groups_below_the_minimum_size_are_noise():
    assert average_link_labels(_two_pairs(0.4), 0.5, 3).tolist() == [-1, -1, -1, -1]
    assert average_link_labels(np.ones((1, 1)), 0.5, 2).tolist() == [-1]


def test_missing_pairs_of_a_sparse_block_count_as_zero():
    sparse = csr_matrix(CHAIN)  # A–C not stored
    groups, outlier = group_linked(
        csr_matrix(CHAIN >= 0.5),
        lambda m: second_order_distance(CHAIN)[np.ix_(m, m)],
        HDBSCANSettings(),
        AverageLink(lambda m: sparse[m][:, m], 0.5, _never_apart),
    )
    assert groups.tolist() == [1, 1, 0]  # noise is numbered first
    assert outlier.tolist() == [False, False, True]


def test_large_linked_groups_still_go_to_hdbscan(monkeypatch):
    settings = HDBSCANSettings(cluster_selection_epsilon=0.2)
    distance = second_order_distance(CHAIN)
    probability = AverageLink(lambda m: CHAIN[np.ix_(m, m)], 0.5, _never_apart)
    linked = csr_matrix(CHAIN >= 0.5)
    groups, outlier = group_linked(linked, lambda m: distance[np.ix_(m, m)], settings, probability)
    assert (groups.tolist(), outlier.tolist()) == ([1, 1, 0], [False, False, True])
    monkeypatch.setattr(step_module, "AVERAGE_LINK_UP_TO", 2)
    groups, outlier = group_linked(linked, lambda m: distance[np.ix_(m, m)], settings, probability)
    assert (groups.tolist(), outlier.tolist()) == ([0, 0, 0], [False, False, False])


def test_undated_articles_do_not_bridge_two_dates_too_far_apart():
    # Two undated reports (0, 1) alike each other and two dated ones (2, 3), published
    # months apart, so their own pair is never scored (0).
    scores = np.array(
        [
            [1.0, 0.9, 0.8, 0.8],
            [0.9, 1.0, 0.8, 0.8],
            [0.8, 0.8, 1.0, 0.0],
            [0.8, 0.8, 0.0, 1.0],
        ]
    )
    # The mean P of {0, 1, 2} to 3 is (0.8 + 0.8 + 0) / 3 = 0.53: one story across months.
    assert average_link_labels(scores, 0.5, 2).tolist() == [0, 0, 0, 0]
    apart = np.zeros((4, 4), dtype=bool)
    apart[2, 3] = True
    assert average_link_labels(scores, 0.5, 2, apart).tolist() == [0, 0, 0, -1]
