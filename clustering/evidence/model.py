"""The pair model: a calibrated logistic model of P(same story) over the pair features.

Trained on dev data by ``training/train_pair_model.py`` and shipped in
``clustering/models/pair-MODEL.json``, one per bundled embedding model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import cast

import numpy as np

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
        names = tuple(cast(list[str], data["features"]))
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
