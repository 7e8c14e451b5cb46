"""Pair models fitted on OG2021 dev minus one story fold, for held-out judging (issue 23).

The folds are the encoder's (:func:`training.encoder_data.read_titles`, by story, seeded),
so fold K's pair model and fold K's adapter (``training.train_encoder --folds K
--adapters DIR``) were both trained without fold K's stories, and can be judged on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.evidence.calibrate import calibrate_articles
from clustering.evidence.features import SecondVectors
from clustering.evidence.model import FEATURES, SECOND_FEATURES, PairModel, features_without
from training.encoder_data import read_titles


@dataclass(frozen=True)
class FoldPairModels:
    """The pair models fitted without ``fold``: on the article ``rows`` (every other fold's)."""

    fold: int
    rows: np.ndarray
    base: PairModel
    second: PairModel | None = None


def fold_adapter(adapters: Path, fold: int, folds: int) -> Path:
    """Where ``train_encoder --adapters`` keeps the adapter trained without ``fold``."""
    return adapters / f"fold-{fold}-of-{folds}.npz"


def only_adapter(adapters: Path, fold: int, folds: int) -> Path:
    """Where ``train_encoder --only-fold`` keeps the adapter trained on ``fold`` alone."""
    return adapters / f"only-{fold}-of-{folds}.npz"


def story_folds(data: Path, folds: int = 3, seed: int = 0) -> dict[str, int]:
    """Each OG2021 dev story's fold, as ``train_encoder --folds`` draws them (all of dev)."""
    titles = read_titles(data, folds, seed)
    return {str(s): int(f) for s, f in zip(titles.stories, titles.folds, strict=True)}


def article_folds(articles: pd.DataFrame, fold_of: dict[str, int]) -> np.ndarray:
    """The fold of each article, from its gold ``story``."""
    return np.array([fold_of[str(s)] for s in articles["story"]], dtype=np.int64)


def fit_without(
    articles: pd.DataFrame,
    vectors: np.ndarray,
    model: str,
    folds: np.ndarray,
    fold: int,
    heads: np.ndarray | None = None,
    second_model: str | None = None,
    left_out: frozenset[str] = frozenset(),
) -> FoldPairModels:
    """The first-order pair model for ``model`` on every article outside ``fold``.

    With ``heads`` (every article's vector of ``second_model``) also the cascade's headline
    model, as ``training.train_pair_model --second`` fits it, on the same articles.
    ``left_out``: base features no model reads (an ablation).
    """
    rows = np.flatnonzero(folds != fold)
    part = articles.iloc[rows].reset_index(drop=True)
    names = features_without(FEATURES, left_out)
    base = calibrate_articles(
        part, vectors[rows], model, gold_column="story", names=names
    ).pair_model
    second = None
    if heads is not None:
        own = heads[rows]
        extra = SecondVectors(np.arange(len(rows)), own, own.mean(axis=0))
        second = calibrate_articles(
            part,
            vectors[rows],
            model,
            "story",
            second=extra,
            second_model=second_model,
            names=features_without(SECOND_FEATURES, left_out),
        ).pair_model
    return FoldPairModels(fold, rows, base, second)
