"""One pair of a fitted clusterer explained for readers: P(same story) and why, in words."""

from __future__ import annotations

import math

import pandas as pd

from clustering.evidence.explain import PairExplanation
from clustering.grouping.clusterer import StoryClusterer

#: Columns of :func:`explain`, in order.
EXPLAIN_COLUMNS = ("evidence", "value", "says", "weight")

#: Features that are yes/no flags.
_FLAGS = {"notime", "samelang", "body"}


def _hours(log_gap: float) -> str:
    return f"{math.expm1(log_gap):.0f} hours"


def plain_value(feature: str, value: float) -> str:
    """A feature's value as a reader would say it (``time apart`` in hours, flags yes/no)."""
    if "*" in feature:
        return f"{value:.2f}"
    if feature in _FLAGS:
        return "yes" if value else "no"
    if feature == "logdt":
        return _hours(value)
    if feature == "logdt2":
        return _hours(math.sqrt(max(value, 0.0)))
    return f"{value:.2f}"


def _says(weight: float) -> str:
    if abs(weight) < 0.005:
        return "nothing either way"
    return "same story" if weight > 0 else "different stories"


def explanation_table(explained: PairExplanation, min_probability: float) -> pd.DataFrame:
    """The explanation as rows of :data:`EXPLAIN_COLUMNS`: the verdict, then the evidence.

    The first row is P(same story) and the model that gave it (``says`` is the verdict
    at ``min_probability``); then the model's starting point; then each piece of
    evidence, the heaviest first. ``weight`` is what it added to the log-odds: the rows
    after the first sum to the log-odds of P. ``attrs`` hold ``probability`` and ``model``.
    """
    verdict = "same story" if explained.probability >= min_probability else "different stories"
    rows = [
        (f"P(same story), by the {explained.model}", f"{explained.probability:.3f}", verdict),
        ("starting point of the model", "", _says(explained.intercept)),
    ]
    weights = [math.log(explained.probability / (1 - explained.probability)), explained.intercept]
    terms = sorted(explained.terms, key=lambda term: -abs(term.contribution))
    for term in terms:
        rows.append((term.words, plain_value(term.feature, term.value), _says(term.contribution)))
        weights.append(term.contribution)
    table = pd.DataFrame(rows, columns=list(EXPLAIN_COLUMNS[:3])).assign(weight=weights)
    table.attrs.update(probability=explained.probability, model=explained.model)
    return table


def explain(clusterer: StoryClusterer, first: str, second: str) -> pd.DataFrame:
    """P(same story) of the fitted articles ``first`` and ``second`` (ids), and why, in words.

    The pair is scored as :meth:`StoryClusterer.fit` scored it, among the articles the
    clusterer holds (after :meth:`~StoryClusterer.assign`, the grown batch). See
    :func:`explanation_table` for the rows.
    """
    if not hasattr(clusterer, "articles_"):
        raise ValueError("explain needs a fitted clusterer: call fit first")
    explained = clusterer.pair_explanation(
        clusterer.articles_, str(first), str(second), embeddings=clusterer.embeddings_
    )
    return explanation_table(explained, clusterer.min_probability)
