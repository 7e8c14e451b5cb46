"""The pair model: a calibrated logistic model of P(same story) over the pair features.

Trained on dev data by ``training/train_pair_model.py`` and shipped in
``clustering/models/pair-MODEL.json``, one per bundled embedding model. A model whose
features include ``cos2`` also reads a second embedding model's cosine (``second``): the
cascade's model for pairs where both articles have that second vector (see
:mod:`clustering.evidence.cascade`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import cast

import numpy as np

#: The base features of an article pair (see ``ArticleEvidence`` in ``features.py``).
BASE_FEATURES = (
    "cos",
    "cos2",
    "logdt",
    "logdt2",
    "notime",
    "prefix",
    "char",
    "names",
    "samelang",
)

#: The features of the shipped first-order model, in the order of its coefficients.
FEATURES = (
    "cos",
    "logdt",
    "logdt2",
    "notime",
    "prefix",
    "char",
    "names",
    "samelang",
    "cos*samelang",
    "prefix*samelang",
    "char*samelang",
)

#: The features of the shipped model for pairs that both have the second model's vector.
SECOND_FEATURES = (*FEATURES, "cos2", "cos2*samelang")


def check_features(names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` after checking each is a base feature or a product ``a*b`` of two."""
    for name in names:
        unknown = [part for part in name.split("*") if part not in BASE_FEATURES]
        if unknown or name.count("*") > 1:
            raise ValueError(f"unknown pair feature {name!r}; known: {', '.join(BASE_FEATURES)}")
    return names


@dataclass(frozen=True)
class PairModel:
    """A logistic model over named pair features, for one embedding model.

    ``mean`` is the direction removed from that model's vectors before the cosine;
    ``second`` and ``second_mean`` name the second embedding model and its mean when the
    features include ``cos2``.
    """

    model: str
    mean: np.ndarray
    coef: np.ndarray
    intercept: float
    features: tuple[str, ...] = FEATURES
    second: str | None = None
    second_mean: np.ndarray | None = None

    def __post_init__(self) -> None:
        check_features(self.features)
        if len(self.coef) != len(self.features):
            raise ValueError(f"{len(self.coef)} weights for {len(self.features)} features")
        if self.uses_second and (self.second is None or self.second_mean is None):
            raise ValueError("a pair model with cos2 needs its second model and mean")

    @property
    def uses_second(self) -> bool:
        """Whether the model reads the second embedding model's cosine."""
        return any("cos2" in name.split("*") for name in self.features)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> PairModel:
        """Read the JSON form written by the training script."""
        second_mean = data.get("second_mean")
        return cls(
            model=str(data["model"]),
            mean=np.asarray(data["mean"], dtype=np.float32),
            coef=np.asarray(data["coef"], dtype=np.float32),
            intercept=float(data["intercept"]),  # type: ignore[arg-type]
            features=tuple(cast(list[str], data["features"])),
            second=cast(str | None, data.get("second")),
            second_mean=None if second_mean is None else np.asarray(second_mean, np.float32),
        )

    def to_dict(self) -> dict[str, object]:
        """The JSON form (floats rounded: 7 digits for means, 6 for weights)."""
        data: dict[str, object] = {
            "model": self.model,
            "features": list(self.features),
            "coef": [round(float(x), 6) for x in self.coef],
            "intercept": round(self.intercept, 6),
            "mean": [round(float(x), 7) for x in self.mean],
        }
        if self.second is not None and self.second_mean is not None:
            data["second"] = self.second
            data["second_mean"] = [round(float(x), 7) for x in self.second_mean]
        return data

    def logits(self, features: dict[str, np.ndarray]) -> np.ndarray:
        """The log-odds of the same story for each pair the features describe, float32."""
        z = np.full(features["cos"].shape, self.intercept, dtype=np.float32)
        for name, weight in zip(self.features, self.coef, strict=True):
            z += np.float32(weight) * feature_column(features, name)
        return z

    def scores(self, features: dict[str, np.ndarray]) -> np.ndarray:
        """P(same story) for each pair the features describe (any block of pairs), float32."""
        return 1.0 / (1.0 + np.exp(-self.logits(features)))

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


def read_pair_model(text: str) -> PairModel:
    """A pair model from its JSON text."""
    return PairModel.from_dict(json.loads(text))


@cache
def shipped_pair_model(model: str) -> PairModel | None:
    """The pair model shipped under ``pair-MODEL.json`` (``"use"``, ``"use+e5"``), if any."""
    resource = resources.files("clustering.models") / f"pair-{model}.json"
    if not resource.is_file():
        return None
    return read_pair_model(resource.read_text(encoding="utf-8"))
