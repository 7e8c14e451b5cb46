"""Held-out SemEval-2022 (issue 23): frozen and tuned e5 on rated pairs their encoder never saw.

Run from the repository root (the fold adapters first: ``python -m training.train_encoder
--folds 3 --adapters DIR``):

    python -m benchmarks.heldout_semeval [--data ../shared/data] --adapters DIR [--json]

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
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import pearsonr

from benchmarks.options import ROOT
from clustering.evidence.calibrate import calibrate_ratings, pair_articles
from clustering.evidence.cascade import embed_heads
from clustering.evidence.compare import score_pairs
from clustering.evidence.features import ArticleEvidence, SecondVectors
from clustering.evidence.model import shipped_pair_model
from embeddings import CachedEmbedder, Embedder, get_embedder
from embeddings.articles import embed_articles
from embeddings.bundled import StoryE5Embedder
from training.encoder_data import PAIRS, read_pairs
from training.pair_folds import fold_adapter

FOLDS = 3


def pearson(scores: np.ndarray, overall: np.ndarray, cross: np.ndarray) -> dict[str, float]:
    """Pearson of the scores with −Overall: all pairs and the cross-lingual ones."""
    return {
        "pearson": float(pearsonr(scores, -overall)[0]),
        "pearson_cross": float(pearsonr(scores[cross], -overall[cross])[0]),
    }


def run_heldout_semeval(data: Path, adapters: Path) -> dict[str, dict[str, float]]:
    """Every system's held-out Pearson, folds pooled."""
    rated = pd.read_csv(data / PAIRS)
    folds = read_pairs(data, FOLDS).folds
    overall = rated["Overall"].to_numpy(dtype=float)
    cross = (rated["lang1"] != rated["lang2"]).to_numpy()

    def e5(system: str, fold: int) -> Embedder:
        if system == "e5":
            return CachedEmbedder(get_embedder("e5"))
        return CachedEmbedder(StoryE5Embedder(adapter=fold_adapter(adapters, fold, FOLDS)))

    results = {}
    for system in ("e5", "e5-story"):
        scores = np.zeros(len(rated))
        for fold in range(FOLDS):
            rows = np.flatnonzero(folds == fold)
            part = rated.iloc[rows]
            scores[rows] = score_pairs(
                list(part["text1"]),
                list(part["text2"]),
                list(part["lang1"]),
                list(part["lang2"]),
                e5(system, fold),
            ).similarity
        results[f"compare, {system}"] = pearson(scores, overall, cross)

    articles, pairs, kept = pair_articles(
        list(rated["text1"]), list(rated["text2"]), list(rated["lang1"]), list(rated["lang2"])
    )
    vectors = embed_articles(articles, CachedEmbedder(get_embedder("use")))
    base = shipped_pair_model("use")
    assert base is not None
    ratings, kept_folds = overall[kept], folds[kept]
    every = np.arange(len(articles))
    for system in ("e5", "e5-story"):
        scores = np.zeros(len(ratings))
        for fold in range(FOLDS):
            heads = embed_heads(articles, every, e5(system, fold))
            extra = SecondVectors(every, heads, heads.mean(axis=0))
            train, test = kept_folds != fold, kept_folds == fold
            model = calibrate_ratings(
                articles, vectors, pairs[:, train], ratings[train], "use", base.mean, extra, system
            )
            evidence = ArticleEvidence.of(vectors, base.mean, articles, extra)
            scores[test] = model.scores(evidence.pair_features(pairs[0, test], pairs[1, test]))
        results[f"bodies, {system}"] = pearson(scores, ratings, cross[kept])
    return results


def main() -> None:
    """Print the held-out Pearson of each system (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--adapters", type=Path, required=True, help="fold-K-of-3.npz files")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run_heldout_semeval(args.data, args.adapters)
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print("| system | Pearson, all | cross-lingual |\n|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['pearson']:.3f} | {r['pearson_cross']:.3f} |")


if __name__ == "__main__":
    main()
