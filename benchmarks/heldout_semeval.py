"""Held-out SemEval-2022 (issue 23): frozen and tuned e5 on rated pairs their encoder never saw.

Run from the repository root (the fold adapters first: ``python -m training.train_encoder
--folds 3 --adapters DIR``):

    python -m benchmarks.heldout_semeval [--data ../shared/data] --adapters DIR [--json]
        [--clustered [--systems default,default-refit,...] [--no-pearson]] [--without F,G]

The folds are the encoder's: the dev pairs split by connected group of texts
(:func:`training.encoder_data.read_pairs`), so fold K's texts never met fold K's adapter
(``DIR/fold-K-of-3.npz``, trained without fold K's titles and pairs). Per fold, Pearson
with −Overall is pooled over the folds, for all pairs and the cross-lingual ones:

- ``compare``: ``samestory compare``'s similarity (0.8 × the mean cosine of the whole
  texts and of their leads, 0.2 × word-prefix overlap), with frozen e5 (centred by the
  shipped per-language means) and with fold K's tuned e5 (no centring ships for it);
- ``bodies``: the cascade's model for two full articles (USE's evidence and the second
  model's cosine of the heads, as ``train_pair_model --second X --bodies`` fits it),
  fitted on the other folds' pairs, with frozen e5 heads and with fold K's tuned heads.

``--without against,uncovered`` is an ablation: the refitted bodies models leave out those
base features and every product that reads one.

``--clustered`` adds pair P/R/F1 with all the texts clustered per fold by each system's
fold-K models, fold K's labelled pairs scored (:mod:`benchmarks.semeval_folds`);
``--no-pearson`` leaves the Pearson table out. Vectors are cached in the default cache
(``SAMESTORY_CACHE_DIR``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import pearsonr

from benchmarks.options import ROOT, add_without, parse_without
from benchmarks.semeval_folds import (
    FOLDS,
    SYSTEMS,
    RatedTexts,
    clustered_table,
    fold_bodies,
    run_clustered,
    second_e5,
)
from clustering.evidence.cascade import embed_heads
from clustering.evidence.compare import score_pairs
from clustering.evidence.features import ArticleEvidence, SecondVectors
from clustering.evidence.model import shipped_pair_model
from embeddings import CachedEmbedder, get_embedder, model_languages
from embeddings.articles import embed_articles


def pearson(scores: np.ndarray, overall: np.ndarray, cross: np.ndarray) -> dict[str, float]:
    """Pearson of the scores with −Overall: all pairs and the cross-lingual ones."""
    return {
        "pearson": float(pearsonr(scores, -overall)[0]),
        "pearson_cross": float(pearsonr(scores[cross], -overall[cross])[0]),
    }


def run_heldout_semeval(
    data: Path, adapters: Path, left_out: frozenset[str] = frozenset()
) -> dict[str, dict[str, float]]:
    """Every system's held-out Pearson, folds pooled (``left_out``: see ``--without``)."""
    rated = RatedTexts.read(data)
    frame, folds = rated.frame, rated.folds
    overall = frame["Overall"].to_numpy(dtype=float)
    cross = (frame["lang1"] != frame["lang2"]).to_numpy()

    results = {}
    for system in ("e5", "e5-story"):
        scores = np.zeros(len(frame))
        for fold in range(FOLDS):
            rows = np.flatnonzero(folds == fold)
            part = frame.iloc[rows]
            scores[rows] = score_pairs(
                list(part["text1"]),
                list(part["text2"]),
                list(part["lang1"]),
                list(part["lang2"]),
                CachedEmbedder(second_e5(system, fold, adapters)),
            ).similarity
        results[f"compare, {system}"] = pearson(scores, overall, cross)

    articles, pairs = rated.articles, rated.pairs
    vectors = embed_articles(articles, CachedEmbedder(get_embedder("use")))
    base = shipped_pair_model("use")
    assert base is not None
    ratings, kept_folds = rated.ratings, folds[rated.kept]
    every = np.arange(len(articles))
    for system in ("e5", "e5-story"):
        scores = np.zeros(len(ratings))
        for fold in range(FOLDS):
            heads = embed_heads(articles, every, CachedEmbedder(second_e5(system, fold, adapters)))
            extra = SecondVectors(every, heads, heads.mean(axis=0))
            test = kept_folds == fold
            model = fold_bodies(rated, vectors, heads, fold, system, left_out)
            evidence = ArticleEvidence.of(
                vectors, base.mean, articles, extra, model_languages(base.model)
            )
            scores[test] = model.scores(evidence.pair_features(pairs[0, test], pairs[1, test]))
        results[f"bodies, {system}"] = pearson(scores, ratings, cross[rated.kept])
    return results


def main() -> None:
    """Print the held-out Pearson of each system (or JSON); ``--clustered``: pair F1 too."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--adapters", type=Path, required=True, help="fold-K-of-3.npz files")
    parser.add_argument(
        "--clustered", action="store_true", help="also all texts clustered per fold: pair F1"
    )
    parser.add_argument("--no-pearson", action="store_true", help="skip the Pearson table")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="clustered: comma-separated")
    add_without(parser)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    without = parse_without(args)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = sorted(set(systems) - set(SYSTEMS))
    if unknown:
        sys.exit(f"unknown systems {unknown}: choose from {', '.join(SYSTEMS)}")
    results: dict[str, Any] = {}
    if not args.no_pearson:
        results = run_heldout_semeval(args.data, args.adapters, without)
    if args.clustered:
        started = time.perf_counter()
        results["clustered"] = run_clustered(args.data, args.adapters, systems, without)
        seconds, load = time.perf_counter() - started, os.getloadavg()[0]
    if args.json:
        print(json.dumps(results, indent=1))
        return
    if not args.no_pearson:
        print("| system | Pearson, all | cross-lingual |\n|---|---|---|")
        for name, r in results.items():
            if name != "clustered":
                print(f"| {name} | {r['pearson']:.3f} | {r['pearson_cross']:.3f} |")
    if args.clustered:
        print(clustered_table(results["clustered"]))
        print(f"{seconds:.0f} s, load average {load:.2f}")


if __name__ == "__main__":
    main()
