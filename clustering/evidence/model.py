"""The pair model: a calibrated logistic model of P(same story) over the pair features.

Trained on dev data by ``training/train_pair_model.py`` and shipped in
``clustering/models/pair-MODEL.json``, one per bundled embedding model; ``samestory
calibrate`` (:mod:`clustering.evidence.calibrate`) makes one for any embedder. A pair
model is for one embedder (:func:`model_id`) and its vector dimension: both are checked
before it scores.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import cast

import numpy as np

from clustering.errors import InputError, SettingsError
from embeddings import Embedder

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


def model_id(embedder: Embedder) -> str:
    """What a pair model is for: the bundled model's key (``"use"``), else the embedder's name.

    A sentence-transformers model's name holds its absolute path or hub name.
    """
    return embedder.key or embedder.name


@dataclass(frozen=True)
class PairModel:
    """A logistic model over :data:`FEATURES` for one embedding model.

    ``model`` is the :func:`model_id` of the embedder it was trained for, ``mean`` that
    embedder's mean article vector (so its length is the vector dimension).
    """

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

    def to_json(self) -> str:
        """The JSON file's text: the mean to 7 decimals, the weights to 6."""
        payload = self.to_dict()
        payload["mean"] = [round(float(x), 7) for x in self.mean]
        payload["coef"] = [round(float(x), 6) for x in self.coef]
        return json.dumps(payload, indent=1) + "\n"

    @property
    def dimensions(self) -> int:
        """The dimension of the vectors this model scores."""
        return int(self.mean.shape[0])

    def check_embedder(self, embedder: Embedder) -> None:
        """Raise :class:`SettingsError` unless ``embedder`` is the one this model is for."""
        used = model_id(embedder)
        if used != self.model:
            raise SettingsError(
                f"the pair model is for {self.model!r} ({self.dimensions}-d vectors), not "
                f"{used!r}: embed with {self.model!r} or calibrate a pair model for {used!r}"
            )

    def check_vectors(self, vectors: np.ndarray) -> None:
        """Raise :class:`SettingsError` unless ``vectors`` have this model's dimension."""
        if vectors.shape[1] != self.dimensions:
            raise SettingsError(
                f"embeddings have {vectors.shape[1]} dimensions, the {self.model!r} pair "
                f"model expects {self.dimensions}: embed with that model or pass "
                "pair_model=None"
            )

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


def read_pair_model(path: str | os.PathLike[str]) -> PairModel:
    """The pair model in a JSON file written by ``samestory calibrate`` (or shipped).

    Raises :class:`InputError` for a file that is missing or not a pair model.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return PairModel.from_dict(data)
    except OSError as exc:
        raise InputError(str(path), f"cannot read pair model: {exc.strerror or exc}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(str(path), f"not a pair model ({exc})") from exc
