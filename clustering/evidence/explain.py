"""One pair's P(same story) taken apart: what each piece of evidence added, in words.

The pair models are logistic: P = 1 / (1 + e^−z), with z the intercept plus, for each
feature, its weight times its value. Each feature's share of z is its contribution: a
positive one speaks for the same story, a negative one against. The model that scored
the pair (first-order, with the e5 cosine, ...) is named, so the P shown is the one
``cluster`` used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.evidence.cascade import Cascade
from clustering.evidence.model import feature_column

#: What each base feature is, in words.
WORDS = {
    "cos": "meaning (first model's vectors)",
    "cos2": "meaning (e5 vectors of the heads)",
    "prefix": "shared word stems in the headlines",
    "char": "shared letter runs in the headlines",
    "names": "shared rare names",
    "against": "names one lead has and the other text lacks",
    "uncovered": "a language the first model does not cover",
    "logdt": "time apart (log hours)",
    "logdt2": "time apart (squared)",
    "notime": "a date is missing",
    "samelang": "same language",
    "body": "both have a body",
}

#: What each model of the cascade is, by the number :meth:`Cascade.model_of` gives.
MODEL_WORDS = (
    "first-order model",
    "headline model with the e5 cosine",
    "full-article model with the e5 cosine",
)


def words(feature: str) -> str:
    """A feature (or a product ``a*b``) in words."""
    if "*" not in feature:
        return WORDS[feature]
    left, right = feature.split("*")
    return f"{WORDS[left]}, if {WORDS[right]}"


@dataclass(frozen=True)
class Term:
    """One feature of a pair: its value, its weight and what it added to the log-odds."""

    feature: str
    words: str
    value: float
    weight: float
    contribution: float


@dataclass(frozen=True)
class PairExplanation:
    """P(same story) of one pair, the model that gave it, and the evidence behind it."""

    probability: float
    model: str
    intercept: float
    terms: tuple[Term, ...]

    def table(self) -> pd.DataFrame:
        """The terms as a DataFrame, largest contribution (either sign) first."""
        frame = pd.DataFrame([vars(term) for term in self.terms])
        return frame.reindex(frame["contribution"].abs().sort_values(ascending=False).index)


def explain_pair(cascade: Cascade, features: dict[str, np.ndarray]) -> PairExplanation:
    """The explanation of the one pair ``features`` describe (arrays of length one)."""
    number = int(cascade.model_of(features)[0])
    model = cascade.models()[number]
    assert model is not None  # model_of picks only models that are there
    terms = []
    for name, weight in zip(model.features, model.coef, strict=True):
        value = float(feature_column(features, name)[0])
        terms.append(Term(name, words(name), value, float(weight), float(weight) * value))
    probability = float(cascade.scores(features)[0])
    return PairExplanation(probability, MODEL_WORDS[number], model.intercept, tuple(terms))
