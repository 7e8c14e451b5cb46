"""Held-out SemEval-2022 by the encoder's folds: rated texts, per-fold bodies models, clustering.

What :mod:`benchmarks.heldout_semeval` runs (``--clustered`` for the clustered regime).
The folds are :func:`training.encoder_data.read_pairs`'s (connected groups of texts), so
fold K's texts met neither fold K's adapter nor a model refitted without fold K.

Clustered regime (issue 23's "all texts clustered, pair F1"): for each fold K, every
distinct dev text is clustered at once, as :mod:`benchmarks.semeval_cluster` clusters
them, with the system's models for fold K, and only fold K's labelled pairs (Overall
≤ 1.5 same, ≥ 3 different) are scored; the folds' predictions are pooled into pair
P/R/F1, all and cross-lingual. Systems:

- ``default``: as shipped (its bodies model saw all of dev: NOT held out; the same
  clustering in every fold, so clustered once: ``semeval_cluster``'s numbers);
- ``default-refit``: the shipped cascade (second model frozen e5) with its bodies model
  refitted on the other folds' pairs (as ``train_pair_model --second e5 --bodies``);
- ``story-cascade``: ``--second-model e5-story`` with fold K's adapter, its bodies model
  refitted on the other folds' pairs with fold K's tuned heads;
- ``-all``: the same with the second model for every text (``second_up_to`` huge): the
  dev set has more texts than ``SMALL_BATCH``, and the CLI gives e5 only to small batches.
  Without ``-all`` no text gets it (all seven languages are USE's), so no bodies model
  scores a pair and the three systems are one clustering: ``pair-use``'s.

The first-order model (``pair-use``) and the headline models (``pair-use+e5``,
``pair-use+e5-story``) are the shipped ones: fitted on OG2021 titles only, never on a
SemEval pair; a headline model scores only pairs of two texts without a body. The heads'
centring mean (as the shipped fit takes it) is over every rated text, fold K's included
(no label is read).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.heldout import EVERY_TITLE, FoldClusterer
from benchmarks.semeval_cluster import FILE, Labels, cluster_with, distinct_texts, same_story
from clustering import StoryClusterer
from clustering.evidence.calibrate import calibrate_ratings, pair_articles
from clustering.evidence.cascade import SMALL_BATCH, Cascade, embed_heads
from clustering.evidence.features import SecondVectors, with_body
from clustering.evidence.model import (
    SECOND_FEATURES,
    PairModel,
    features_without,
    shipped_pair_model,
)
from clustering.output.pairs import read_pairs as read_table
from embeddings import CachedEmbedder, Embedder, get_embedder
from embeddings.articles import embed_articles
from embeddings.bundled import StoryE5Embedder
from training.encoder_data import PAIRS, read_pairs
from training.pair_folds import fold_adapter

FOLDS = 3
SYSTEMS = ("default", "default-refit", "story-cascade", "default-refit-all", "story-cascade-all")


@dataclass(frozen=True)
class RatedTexts:
    """The rated pairs as the bodies model is fitted on them, and every CSV row's fold."""

    frame: pd.DataFrame  #: the CSV as it is
    articles: pd.DataFrame  #: one row per distinct text and language
    pairs: np.ndarray  #: 2 × k indices into ``articles``: the readable pairs
    kept: np.ndarray  #: which CSV rows those are
    folds: np.ndarray  #: every CSV row's fold

    @classmethod
    def read(cls, data: Path) -> RatedTexts:
        """The SemEval dev pairs in ``data``, read as ``train_pair_model --bodies`` reads them."""
        frame = pd.read_csv(data / PAIRS)
        articles, pairs, kept = pair_articles(
            list(frame["text1"]), list(frame["text2"]), list(frame["lang1"]), list(frame["lang2"])
        )
        return cls(frame, articles, pairs, kept, read_pairs(data, FOLDS).folds)

    @property
    def ratings(self) -> np.ndarray:
        """Overall of the readable pairs."""
        return self.frame["Overall"].to_numpy(dtype=float)[self.kept]

    def fit_rows(self, fold: int) -> np.ndarray:
        """The readable pairs (columns of ``pairs``) a model held out from ``fold`` is fitted on."""
        return np.flatnonzero(self.folds[self.kept] != fold)


def second_e5(system: str, fold: int, adapters: Path) -> Embedder:
    """``e5`` frozen, or ``e5-story`` with fold ``fold``'s adapter (trained without it)."""
    if system == "e5":
        return get_embedder("e5")
    return StoryE5Embedder(adapter=fold_adapter(adapters, fold, FOLDS))


def fold_bodies(
    rated: RatedTexts,
    vectors: np.ndarray,
    heads: np.ndarray,
    fold: int,
    second: str,
    left_out: frozenset[str] = frozenset(),
) -> PairModel:
    """The bodies model fitted on the pairs outside ``fold`` (``heads``: every text's).

    ``left_out``: base features it does not read (an ablation).
    """
    base = shipped_pair_model("use")
    assert base is not None
    extra = SecondVectors(np.arange(len(heads)), heads, heads.mean(axis=0))
    rows = rated.fit_rows(fold)
    return calibrate_ratings(
        rated.articles,
        vectors,
        rated.pairs[:, rows],
        rated.ratings[rows],
        "use",
        base.mean,
        extra,
        second,
        features_without(SECOND_FEATURES, left_out),
    )


def pool(predicted: list[np.ndarray], folds: np.ndarray) -> np.ndarray:
    """Each pair's prediction from its own fold's clustering (``predicted[K]``: fold K's run)."""
    pooled = np.zeros(len(folds), dtype=bool)
    for fold, guess in enumerate(predicted):
        pooled[folds == fold] = guess[folds == fold]
    return pooled


def fold_clusterer(
    system: str,
    fold: int,
    rated: RatedTexts,
    vectors: np.ndarray,
    use: CachedEmbedder,
    adapters: Path,
    left_out: frozenset[str] = frozenset(),
) -> StoryClusterer:
    """``system``'s clusterer for ``fold`` (``use``: the cached first model)."""
    if system == "default":
        return StoryClusterer(embedder=use)
    second = "e5" if system.startswith("default") else "e5-story"
    e5 = second_e5(second, fold, adapters)
    heads = embed_heads(rated.articles, np.arange(len(rated.articles)), use.sharing(e5))
    bodies = fold_bodies(rated, vectors, heads, fold, second, left_out)
    base, headlines = shipped_pair_model("use"), shipped_pair_model(f"use+{second}")
    assert base is not None and headlines is not None
    up_to = EVERY_TITLE if system.endswith("-all") else SMALL_BATCH
    return FoldClusterer(use, Cascade(base, headlines, bodies), e5, up_to)


def run_clustered(
    data: Path, adapters: Path, systems: list[str], left_out: frozenset[str] = frozenset()
) -> dict[str, dict[str, Any]]:
    """Each system's pooled held-out pair scores with all the texts clustered per fold.

    ``left_out``: base features the refitted bodies models do not read (an ablation).
    """
    table = read_table(data / FILE, "text1", "text2", "lang1", "lang2")
    texts, langs = distinct_texts(table)
    labels = Labels.of(table)
    rated = RatedTexts.read(data)
    assert len(rated.folds) == len(labels.labelled)
    use = CachedEmbedder(get_embedder("use"))
    vectors = embed_articles(rated.articles, use)
    results = {}
    for system in systems:
        started = time.perf_counter()
        predicted, runs = [], []
        for fold in range(1 if system == "default" else FOLDS):
            clusterer = fold_clusterer(system, fold, rated, vectors, use, adapters, left_out)
            story, found = cluster_with(clusterer, texts, langs)
            predicted.append(same_story(table, story))
            runs.append(found)
            print(f"{system} fold {fold}: {found}", file=sys.stderr, flush=True)
        if len(predicted) == 1:  # the same models in every fold
            predicted *= FOLDS
        results[system] = {
            **labels.scores(pool(predicted, rated.folds)),
            "held_out": system != "default",
            "texts_without_body": int((~with_body(rated.articles)).sum()),
            "runs": runs,
            "folds": [
                labels.within(rated.folds == fold).scores(guess)
                for fold, guess in enumerate(predicted)
            ],
            "seconds": time.perf_counter() - started,
        }
    return results


def clustered_table(results: dict[str, dict[str, Any]]) -> str:
    """The clustered regime's table (markdown)."""
    lines = [
        "| system | held out | pairs (cross) | P | R | F1 | P cross | R cross | F1 cross "
        "| F1 per fold | largest story |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        a, c = r["all"], r["cross_lingual"]
        largest = max(run["largest_story"] for run in r["runs"])
        per_fold = " / ".join(f"{f['all']['pair_f1']:.3f}" for f in r["folds"])
        lines.append(
            f"| {name} | {'yes' if r['held_out'] else 'no'} | {a['pairs']} ({c['pairs']}) "
            f"| {a['pair_precision']:.3f} | {a['pair_recall']:.3f} | {a['pair_f1']:.3f} "
            f"| {c['pair_precision']:.3f} | {c['pair_recall']:.3f} | {c['pair_f1']:.3f} "
            f"| {per_fold} | {largest} |"
        )
    return "\n".join(lines)
