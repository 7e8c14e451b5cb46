"""The pair model: a calibrated logistic model of P(same story) over the pair features.

Trained on dev data by ``training/train_pair_model.py`` and shipped in
``clustering/models/pair-MODEL.json``, one per bundled embedding model; ``samestory
calibrate`` (:mod:`clustering.evidence.calibrate`) makes one for any embedder. A pair
model is for one model (``embedder.model``, see :mod:`embeddings.base`) and its vector
dimension: both are checked before it scores. A model whose features include ``cos2``
also reads a second embedding model's cosine (``second``): the cascade's model for pairs
where both articles have that second vector (see :mod:`clustering.evidence.cascade`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import cast

import numpy as np

from clustering.errors import InputError, SettingsError
from embeddings import Embedder

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
    "against",
    "uncovered",
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
    "against",
    "uncovered",
    "cos*uncovered",
)

#: The features of the shipped model for pairs that both have the second model's vector.
SECOND_FEATURES = (*FEATURES, "cos2", "cos2*samelang", "cos2*uncovered")


def features_without(names: tuple[str, ...], left_out: Collection[str]) -> tuple[str, ...]:
    """``names`` without those that read a base feature of ``left_out`` (an ablation)."""
    return tuple(name for name in names if not set(name.split("*")) & set(left_out))


def check_features(names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` after checking each is a base feature or a product ``a*b`` of two."""
    for name in names:
        unknown = [part for part in name.split("*") if part not in BASE_FEATURES]
        if unknown or name.count("*") > 1:
            raise ValueError(f"unknown pair feature {name!r}; known: {', '.join(BASE_FEATURES)}")
    return names


@dataclass(frozen=True)
class PairModel:
    """A logistic model over named pair features, for one embedding model (``model``).

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
        for name, values in (
            ("coef", self.coef),
            ("intercept", self.intercept),
            ("mean", self.mean),
            ("second_mean", self.second_mean),
        ):
            if values is not None and not np.isfinite(values).all():
                raise ValueError(f"{name} holds a NaN or infinite number")
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

    def to_json(self) -> str:
        """The JSON file's text."""
        return json.dumps(self.to_dict(), indent=1) + "\n"

    @property
    def dimensions(self) -> int:
        """The dimension of the vectors this model scores."""
        return int(self.mean.shape[0])

    def check_embedder(self, embedder: Embedder) -> None:
        """Raise :class:`SettingsError` unless ``embedder`` is the one this model is for.

        Files calibrated for a model that is not bundled, before models were named by
        ``model``, record its version: that is read as the model too.
        """
        used = embedder.model
        if self.model not in (used, embedder.version):
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


@cache
def shipped_pair_model(model: str) -> PairModel | None:
    """The pair model shipped under ``pair-MODEL.json`` (``"use"``, ``"use+e5"``), if any."""
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
