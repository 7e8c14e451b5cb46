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
from clustering.evidence.cascade import embed_heads
from clustering.evidence.features import ArticleEvidence, SecondVectors, gap_features
from clustering.evidence.model import FEATURES, SECOND_FEATURES, PairModel, feature_column
from embeddings import CachedEmbedder, get_embedder
from embeddings.articles import embed_articles

#: The repository root: default paths are relative to it.
ROOT = Path(__file__).resolve().parent.parent

NEGATIVES_PER_POSITIVE = 20
SEED = 0
#: Pairs farther apart in time are never compared (the candidate graph's window).
WINDOW_HOURS = 120.0


def sample_pairs(
    gold: np.ndarray, hours: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, float]:
    """Upper-triangle pair indices: all positives and sampled negatives; and the sampled share.

    Only pairs the candidate graph compares are drawn: published within
    :data:`WINDOW_HOURS` of each other.
    """
    rows, cols = np.triu_indices(len(gold), 1)
    near = np.abs(hours[rows] - hours[cols]) <= WINDOW_HOURS
    rows, cols = rows[near], cols[near]
    same = gold[rows] == gold[cols]
    positives = np.flatnonzero(same)
    negatives = np.flatnonzero(~same)
    chosen = rng.choice(
        negatives, min(len(negatives), NEGATIVES_PER_POSITIVE * len(positives)), replace=False
    )
    picked = np.concatenate([positives, chosen])
    return np.stack([rows[picked], cols[picked]]), same[picked], len(chosen) / len(negatives)


def design(features: dict[str, np.ndarray], names: tuple[str, ...]) -> np.ndarray:
    """The feature rows of the sampled pairs, one column per name."""
    return np.stack([feature_column(features, name) for name in names], axis=1)


def train(data: Path, model: str, second: str | None = None) -> PairModel:
    """Fit the pair model for ``model`` (and the ``second`` model's cosine) on OG2021 dev."""
    articles = load_articles([data / "og2021-dev.jsonl"]).articles
    gold = articles["story"].to_numpy(dtype=str)
    vectors = embed_articles(articles, CachedEmbedder(get_embedder(model)))
    mean = vectors.mean(axis=0)
    names, extra = FEATURES, None
    if second is not None:
        rows = np.arange(len(articles))
        heads = embed_heads(articles, rows, CachedEmbedder(get_embedder(second)))
        extra = SecondVectors(rows, heads, heads.mean(axis=0))
        names = SECOND_FEATURES
    evidence = ArticleEvidence.of(vectors, mean, articles, extra)
    pairs, labels, share = sample_pairs(gold, evidence.hours, np.random.default_rng(SEED))
    features = evidence.pair_features(*pairs)
    dated = design(features, names)
    undated = design(features | hidden_dates(len(labels)), names)
    x = np.concatenate([dated, undated])
    y = np.concatenate([labels, labels])
    fitted = LogisticRegression(C=1.0, max_iter=5000).fit(x, y)
    intercept = float(fitted.intercept_[0] + np.log(share))
    return PairModel(
        model=model,
        mean=mean.astype(np.float32),
        coef=fitted.coef_[0].astype(np.float32),
        intercept=intercept,
        features=names,
        second=second,
        second_mean=None if extra is None else extra.mean.astype(np.float32),
    )


def hidden_dates(pairs: int) -> dict[str, np.ndarray]:
    """The time features of ``pairs`` pairs whose dates are unknown."""
    nan = np.full(pairs, np.nan)
    return gap_features(nan, nan)


def main() -> None:
    """Train and write the pair model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--model", default="use")
    parser.add_argument("--second", default=None, help="second model of the cascade (e5)")
    args = parser.parse_args()
    if not (args.data / "og2021-dev.jsonl").exists():
        sys.exit(f"dev data not found in {args.data} (give --data)")
    pair_model = train(args.data, args.model, args.second)
    name = args.model if args.second is None else f"{args.model}+{args.second}"
    target = ROOT / "clustering" / "models" / f"pair-{name}.json"
    target.write_text(json.dumps(pair_model.to_dict(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    for name, weight in zip(pair_model.features, pair_model.coef, strict=True):
        print(f"  {name:<16} {weight:+.4f}")
    print(f"  {'intercept':<16} {pair_model.intercept:+.4f}")


if __name__ == "__main__":
    main()
