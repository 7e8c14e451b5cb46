"""Evidence that two articles report the same story, combined into a calibrated probability.

For every pair of articles in a batch: the cosine of their vectors (after removing the
model's mean direction), overlap of romanised word prefixes and of character n-grams, the
publication-time gap and whether they share a language. The article vectors cover title,
lead and body; the surface features compare headlines. A logistic pair model, trained on
dev data by ``training/train_pair_model.py`` and shipped in ``clustering/models/``, turns
them into the probability that the two report the same story.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from clustering.evidence.lexical import char_vectors, prefix_vectors, strip_source
from clustering.evidence.tfidf import row_cosine, row_dots

#: Feature names, in the order of the pair model's coefficients.
FEATURES = (
    "cos",
    "logdt",
    "logdt2",
    "notime",
    "prefix",
    "char",
    "samelang",
    "cos*samelang",
    "prefix*samelang",
    "char*samelang",
)


@dataclass(frozen=True)
class PairModel:
    """A logistic model over :data:`FEATURES` for one embedding model."""

    model: str
    mean: np.ndarray
    coef: np.ndarray
    intercept: float

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> PairModel:
        """Read the JSON form written by the training script."""
        names = tuple(data["features"])  # type: ignore[arg-type]
        if names != FEATURES:
            raise ValueError(f"pair model features {names} do not match {FEATURES}")
        return cls(
            model=str(data["model"]),
            mean=np.asarray(data["mean"], dtype=np.float32),
            coef=np.asarray(data["coef"], dtype=np.float32),
            intercept=float(data["intercept"]),  # type: ignore[arg-type]
        )

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "model": self.model,
            "features": list(FEATURES),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
            "mean": self.mean.tolist(),
        }

    def scores(self, features: dict[str, np.ndarray]) -> np.ndarray:
        """P(same story) for each pair the features describe (any block of pairs), float32."""
        z = np.full(features["cos"].shape, self.intercept, dtype=np.float32)
        for name, weight in zip(FEATURES, self.coef, strict=True):
            z += np.float32(weight) * feature_column(features, name)
        return 1.0 / (1.0 + np.exp(-z))

    def probabilities(self, features: dict[str, np.ndarray]) -> np.ndarray:
        """P(same story) for every pair, as a symmetric float32 matrix with ones on the diagonal."""
        probability = self.scores(features)
        np.fill_diagonal(probability, 1.0)
        return probability


def feature_column(features: dict[str, np.ndarray], name: str) -> np.ndarray:
    """One feature matrix, computing products ``a*b`` from their factors."""
    if "*" in name:
        left, right = name.split("*")
        return features[left] * features[right]
    return features[name]


@cache
def shipped_pair_model(model: str) -> PairModel | None:
    """The pair model shipped for a bundled model (``"use"``, ``"e5"``), if there is one."""
    resource = resources.files("clustering.models") / f"pair-{model}.json"
    if not resource.is_file():
        return None
    return PairModel.from_dict(json.loads(resource.read_text(encoding="utf-8")))


def lexical_texts(titles: Sequence[str]) -> list[str]:
    """What the surface features compare: the headline without its outlet.

    Only headlines: the pair model was trained on them, and long bodies in closely related
    languages (Turkish and Azerbaijani, say) share so many character n-grams that body
    overlap says more about the language than about the story.
    """
    return [strip_source(title) for title in titles]


def hours_of(published: pd.Series) -> np.ndarray:
    """Publication times in hours after the earliest, NaN where unknown."""
    stamps = pd.to_datetime(published)
    known = stamps.notna().to_numpy()
    hours = np.full(len(stamps), np.nan, dtype=np.float64)
    if known.any():
        values = stamps[known].astype("datetime64[ns]").to_numpy()
        hours[known] = (values - values.min()) / np.timedelta64(1, "h")
    return hours


def gap_features(left: np.ndarray, right: np.ndarray) -> dict[str, np.ndarray]:
    """log(1 + gap in hours), its square, and a flag for pairs where a time is missing.

    ``left`` and ``right`` broadcast: a column and a row give a block, equal shapes pairs.
    """
    both = ~np.isnan(left) & ~np.isnan(right)
    gap = np.abs(np.nan_to_num(left) - np.nan_to_num(right))
    log_gap = np.log1p(gap).astype(np.float32) * both
    return {"logdt": log_gap, "logdt2": log_gap**2, "notime": (~both).astype(np.float32)}


def time_features(published: pd.Series) -> dict[str, np.ndarray]:
    """:func:`gap_features` for every pair of articles."""
    hours = hours_of(published)
    return gap_features(hours[:, None], hours[None, :])


def language_codes(langs: Sequence[object]) -> np.ndarray:
    """One integer per language (in order of first appearance), -1 where unknown."""
    names = [x if isinstance(x, str) and x else None for x in langs]
    codes, _ = pd.factorize(pd.Series(names, dtype=object), use_na_sentinel=True)
    return codes.astype(np.int64)


@dataclass(frozen=True)
class ArticleEvidence:
    """What the pair features of a batch are computed from, one row per article."""

    centred: np.ndarray
    prefix: csr_matrix
    char: csr_matrix
    hours: np.ndarray
    lang: np.ndarray

    @classmethod
    def of(
        cls,
        vectors: np.ndarray,
        mean: np.ndarray,
        titles: Sequence[str],
        published: pd.Series,
        langs: Sequence[object],
    ) -> ArticleEvidence:
        """Centred unit vectors, headline TF-IDF vectors, times and languages."""
        centred = np.asarray(vectors, dtype=np.float32) - mean
        centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-12)
        surface = lexical_texts(titles)
        return cls(
            centred=centred,
            prefix=prefix_vectors(surface),
            char=char_vectors(surface),
            hours=hours_of(published),
            lang=language_codes(langs),
        )

    def __len__(self) -> int:
        return len(self.centred)

    def features(
        self, rows: np.ndarray | slice = slice(None), cols: np.ndarray | slice = slice(None)
    ) -> dict[str, np.ndarray]:
        """All base features for the pairs ``rows`` × ``cols``, as float32 matrices."""
        lang_rows, lang_cols = self.lang[rows], self.lang[cols]
        same = (lang_rows[:, None] == lang_cols[None, :]) & (lang_rows[:, None] >= 0)
        return {
            "cos": self.centred[rows] @ self.centred[cols].T,
            "prefix": row_cosine(self.prefix, rows, cols),
            "char": row_cosine(self.char, rows, cols),
            "samelang": same.astype(np.float32),
            **gap_features(self.hours[rows][:, None], self.hours[cols][None, :]),
        }

    def pair_features(self, left: np.ndarray, right: np.ndarray) -> dict[str, np.ndarray]:
        """All base features for the pairs (``left[k]``, ``right[k]``), as float32 vectors."""
        same = (self.lang[left] == self.lang[right]) & (self.lang[left] >= 0)
        return {
            "cos": np.einsum("ij,ij->i", self.centred[left], self.centred[right]),
            "prefix": row_dots(self.prefix, left, right),
            "char": row_dots(self.char, left, right),
            "samelang": same.astype(np.float32),
            **gap_features(self.hours[left], self.hours[right]),
        }


def pair_features(
    vectors: np.ndarray,
    mean: np.ndarray,
    titles: Sequence[str],
    published: pd.Series,
    langs: Sequence[object],
) -> dict[str, np.ndarray]:
    """All base features for every pair of a batch, as n×n float32 matrices."""
    return ArticleEvidence.of(vectors, mean, titles, published, langs).features()


def second_order_distance(probability: np.ndarray) -> np.ndarray:
    """1 − cosine between rows of the probability matrix, rounded to 1e-6, symmetric.

    Two articles are close when they are likely the same story as the same other
    articles; this damps chaining through one spurious strong pair.
    """
    rows = probability / np.linalg.norm(probability, axis=1, keepdims=True)
    return cosine_distance(rows @ rows.T)


def cosine_distance(similarity: np.ndarray) -> np.ndarray:
    """1 − a square block of cosines, in [0, 2], rounded to 1e-6, symmetric, 0 on the diagonal.

    Rounding removes float noise that would otherwise make HDBSCAN depend on input order.
    """
    distance = rounded_distance(similarity)
    distance = np.minimum(distance, distance.T)
    np.fill_diagonal(distance, 0.0)
    return distance


def rounded_distance(similarity: np.ndarray) -> np.ndarray:
    """1 − cosine, clipped to [0, 2] and rounded to 1e-6, as float64."""
    return np.round(np.clip(1.0 - similarity, 0.0, 2.0).astype(np.float64), 6)
