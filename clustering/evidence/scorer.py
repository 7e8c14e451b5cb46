"""One pair scorer per batch: how pairs are scored, which may share a story, how far apart.

Grouping needs the same four things whatever the evidence is: a score for a block of pairs
and for a list of pairs, the lowest score worth keeping, the score from which two articles
may share a story (``min_score``), and which rows HDBSCAN's distance is the cosine of. With
a pair model the score is P(same story) and the distance is second-order (1 − cosine
between rows of P); without one the score is the cosine of the article vectors and the
distance is first order (1 − cosine).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from clustering.evidence.cascade import Cascade
from clustering.evidence.features import ArticleEvidence, hours_of

#: With a pair model, pairs less likely than this to be the same story are not kept: on
#: OG2021 dev, dropping them changes BCubed F1 by less than 0.001.
EVIDENCE_FLOOR = 0.01

#: Scores of a block of pairs (``rows`` × ``cols``, as indices), as a float matrix.
BlockScores = Callable[[np.ndarray, np.ndarray], np.ndarray]
#: Scores of the pairs (``left[k]``, ``right[k]``), as a float vector.
PairScores = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class PairScorer:
    """The evidence of one batch of articles, ready for grouping.

    ``block`` and ``pairs`` score pairs; pairs scoring below ``floor`` are dropped from the
    candidate graph and pairs scoring at least ``min_score`` may share a story (a
    probability, ``min_probability``, with a pair model; a cosine, 1 − ``max_distance``,
    without). ``vectors`` are
    the unit vectors that undated articles find their candidates by, ``hours`` the
    publication times (NaN when unknown). ``second_order`` says whether HDBSCAN's distance
    is 1 − cosine between the rows of the score graph (True) or between ``vectors``.
    """

    block: BlockScores
    pairs: PairScores
    floor: float
    min_score: float
    vectors: np.ndarray
    hours: np.ndarray
    second_order: bool

    def __len__(self) -> int:
        return len(self.vectors)

    def subset(self, members: np.ndarray) -> PairScorer:
        """The scorer of some of the articles, numbered from 0 in the order of ``members``."""
        members = np.asarray(members, dtype=np.int64)
        return replace(
            self,
            block=lambda rows, cols: self.block(members[rows], members[cols]),
            pairs=lambda left, right: self.pairs(members[left], members[right]),
            vectors=self.vectors[members],
            hours=self.hours[members],
        )


def model_scorer(cascade: Cascade, evidence: ArticleEvidence, min_probability: float) -> PairScorer:
    """Scores are the pair models' P(same story); P ≥ ``min_probability`` may link.

    ``evidence`` holds what the features come from, the second model's vectors of some
    articles included (see :mod:`clustering.evidence.cascade`).
    """
    return PairScorer(
        block=lambda rows, cols: cascade.scores(evidence.features(rows, cols)),
        pairs=lambda left, right: cascade.scores(evidence.pair_features(left, right)),
        floor=EVIDENCE_FLOOR,
        min_score=min_probability,
        vectors=evidence.centred,
        hours=evidence.hours,
        second_order=True,
    )


def cosine_scorer(vectors: np.ndarray, published: pd.Series, max_distance: float) -> PairScorer:
    """Scores are vector cosines; pairs within ``max_distance`` (1 − cosine) may link."""
    unit = np.asarray(vectors, dtype=np.float32)
    closest = 1.0 - max_distance
    return PairScorer(
        block=lambda rows, cols: unit[rows] @ unit[cols].T,
        pairs=lambda left, right: np.einsum("ij,ij->i", unit[left], unit[right]),
        floor=closest,
        min_score=closest,
        vectors=unit,
        hours=hours_of(published),
        second_order=False,
    )
