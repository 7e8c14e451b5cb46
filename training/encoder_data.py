"""The dev data for tuning e5 on "same story": titles, graded pairs, folds, hard negatives.

Folds never split a story (OG2021) or a connected group of texts (SemEval pairs), so a
held-out fold shares no story and no text with the folds a model trained on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

TITLES = "og2021-dev.jsonl"
PAIRS = "semeval2022-pairs-dev.csv"


@dataclass(frozen=True)
class Titles:
    """OG2021 dev titles with their language, day, gold story and fold."""

    texts: list[str]
    langs: np.ndarray
    days: np.ndarray  # days since the epoch (int)
    stories: np.ndarray
    folds: np.ndarray


@dataclass(frozen=True)
class Pairs:
    """SemEval dev pairs: indices into ``texts``, languages, the rating and the fold."""

    texts: list[str]
    left: np.ndarray
    right: np.ndarray
    cross: np.ndarray  # the two texts are in different languages
    overall: np.ndarray  # 1 = same story ... 4 = unrelated
    folds: np.ndarray


def read_titles(data: Path, folds: int, seed: int, limit: int | None = None) -> Titles:
    """The titles, each story in one of ``folds`` folds (a seeded shuffle of the stories)."""
    frame = pd.read_json(data / TITLES, lines=True, dtype={"id": str, "story": str})
    if limit:
        frame = frame.iloc[:limit]
    stories = frame["story"].to_numpy(dtype=str)
    names = np.unique(stories)
    order = np.random.default_rng(seed).permutation(len(names))
    fold_of = dict(zip(names[order], np.arange(len(names)) % folds, strict=True))
    days = pd.to_datetime(frame["published"]).to_numpy().astype("datetime64[D]").astype(np.int64)
    return Titles(
        texts=[str(t) for t in frame["title"]],
        langs=frame["lang"].to_numpy(dtype=str),
        days=days,
        stories=stories,
        folds=np.array([fold_of[s] for s in stories]),
    )


def read_pairs(data: Path, folds: int, limit: int | None = None) -> Pairs:
    """The rated pairs, each connected group of texts in one fold.

    Groups go largest first, each to the fold with the fewest pairs so far: no text is in
    two folds.
    """
    frame = pd.read_csv(data / PAIRS)
    if limit:
        frame = frame.iloc[:limit]
    index: dict[str, int] = {}
    left = np.array([index.setdefault(str(t), len(index)) for t in frame["text1"]])
    right = np.array([index.setdefault(str(t), len(index)) for t in frame["text2"]])
    n = len(index)
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    group = component[left]
    sizes = np.bincount(group)
    load = np.zeros(folds, dtype=np.int64)
    fold_of = np.zeros(len(sizes), dtype=np.int64)
    for g in sorted(range(len(sizes)), key=lambda g: (-sizes[g], g)):
        fold_of[g] = int(np.argmin(load))
        load[fold_of[g]] += sizes[g]
    return Pairs(
        texts=list(index),
        left=left,
        right=right,
        cross=(frame["lang1"] != frame["lang2"]).to_numpy(),
        overall=frame["Overall"].to_numpy(dtype=np.float64),
        folds=fold_of[group],
    )


def hard_negatives(
    vectors: np.ndarray, titles: Titles, rows: np.ndarray, window: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """The hard negatives of each title of ``rows``, among ``rows`` (by frozen cosine).

    Two arrays indexed by title: the nearest other-story title within ``window`` days, and
    the nearest other-story title in its own language (-1: none, or not in ``rows``).
    """
    sims = vectors[rows] @ vectors[rows].T
    stories, days, langs = titles.stories[rows], titles.days[rows], titles.langs[rows]
    other = stories[:, None] != stories[None, :]
    near_day = other & (np.abs(days[:, None] - days[None, :]) <= window)
    same_lang = other & (langs[:, None] == langs[None, :])

    def nearest(allowed: np.ndarray) -> np.ndarray:
        masked = np.where(allowed, sims, -np.inf)
        best = np.where(np.isfinite(masked.max(axis=1)), rows[masked.argmax(axis=1)], -1)
        full = np.full(len(titles.stories), -1, dtype=np.int64)
        full[rows] = best
        return full

    return nearest(near_day), nearest(same_lang)
