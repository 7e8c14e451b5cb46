"""Train the pair model that calibrates evidence into P(same story), on dev data only.

Produces clustering/models/pair-MODEL.json (shipped: pair-use.json, ``make train-pair-model``).
Run from the repository root:

    python -m training.train_pair_model [--data ../shared/data] [--model use]

Reads og2021-dev.jsonl, embeds the titles the way samestory does, builds every pair's
features (clustering/evidence/features.py), and fits a logistic regression on all same-story
pairs and 20 times as many random other pairs (seed 0). Every sampled pair is used twice,
once as it is and once with its dates hidden, so the model also knows what to do when a
date is missing. The intercept is corrected for the negative sampling, so probabilities
match the true share of same-story pairs. Writes clustering/models/pair-MODEL.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from clustering import load_articles
from clustering.evidence.features import pair_features
from clustering.evidence.model import FEATURES, PairModel, feature_column
from embeddings import CachedEmbedder, get_embedder
from embeddings.articles import embed_articles

#: The repository root: default paths are relative to it.
ROOT = Path(__file__).resolve().parent.parent

NEGATIVES_PER_POSITIVE = 20
SEED = 0


def sample_pairs(
    gold: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, float]:
    """Upper-triangle pair indices: all positives and sampled negatives; and the sampled share."""
    rows, cols = np.triu_indices(len(gold), 1)
    same = gold[rows] == gold[cols]
    positives = np.flatnonzero(same)
    negatives = np.flatnonzero(~same)
    chosen = rng.choice(
        negatives, min(len(negatives), NEGATIVES_PER_POSITIVE * len(positives)), replace=False
    )
    picked = np.concatenate([positives, chosen])
    return np.stack([rows[picked], cols[picked]]), same[picked], len(chosen) / len(negatives)


def design(features: dict[str, np.ndarray], pairs: np.ndarray) -> np.ndarray:
    """The feature rows of the sampled pairs."""
    i, j = pairs
    return np.stack([feature_column(features, name)[i, j] for name in FEATURES], axis=1)


def train(data: Path, model: str) -> PairModel:
    """Fit the pair model for ``model`` on the OG2021 dev titles."""
    articles = load_articles([data / "og2021-dev.jsonl"]).articles
    gold = articles["story"].to_numpy(dtype=str)
    vectors = embed_articles(articles, CachedEmbedder(get_embedder(model)))
    mean = vectors.mean(axis=0)
    features = pair_features(
        vectors, mean, list(articles["title"]), articles["published"], list(articles["lang"])
    )
    pairs, labels, share = sample_pairs(gold, np.random.default_rng(SEED))
    dated = design(features, pairs)
    undated = dated.copy()
    for name in ("logdt", "logdt2"):
        undated[:, FEATURES.index(name)] = 0.0
    undated[:, FEATURES.index("notime")] = 1.0
    x = np.concatenate([dated, undated])
    y = np.concatenate([labels, labels])
    fitted = LogisticRegression(C=1.0, max_iter=5000).fit(x, y)
    intercept = float(fitted.intercept_[0] + np.log(share))
    return PairModel(
        model=model,
        mean=mean.astype(np.float32),
        coef=fitted.coef_[0].astype(np.float32),
        intercept=intercept,
    )


def main() -> None:
    """Train and write the pair model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--model", default="use")
    args = parser.parse_args()
    if not (args.data / "og2021-dev.jsonl").exists():
        sys.exit(f"dev data not found in {args.data} (give --data)")
    pair_model = train(args.data, args.model)
    target = ROOT / "clustering" / "models" / f"pair-{args.model}.json"
    payload = pair_model.to_dict()
    payload["mean"] = [round(float(x), 7) for x in pair_model.mean]
    payload["coef"] = [round(float(x), 6) for x in pair_model.coef]
    target.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    for name, weight in zip(FEATURES, pair_model.coef, strict=True):
        print(f"  {name:<16} {weight:+.4f}")
    print(f"  {'intercept':<16} {pair_model.intercept:+.4f}")


if __name__ == "__main__":
    main()
