"""Train the pair model that calibrates evidence into P(same story), on dev data only.

Produces clustering/models/pair-MODEL.json (shipped: pair-use.json, ``make train-pair-model``).
Run from the repository root:

    python -m training.train_pair_model [--data ../shared/data] [--model use]

Reads og2021-dev.jsonl, embeds the titles the way samestory does and calibrates the pair
model on their gold stories with :func:`clustering.evidence.calibrate.calibrate_articles`
(what ``samestory calibrate`` runs): all same-story pairs and 20 times as many random other
pairs within 120 hours (seed 0), each also with its dates hidden, the intercept corrected
for the sampling. With ``--second e5`` it fits the cascade's second model
(``pair-use+e5.json``), which also reads the e5 cosine of the headlines.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from clustering import load_articles
from clustering.evidence.calibrate import calibrate_articles
from clustering.evidence.cascade import embed_heads
from clustering.evidence.features import SecondVectors
from clustering.evidence.model import PairModel
from embeddings import CachedEmbedder, get_embedder
from embeddings.articles import embed_articles

#: The repository root: default paths are relative to it.
ROOT = Path(__file__).resolve().parent.parent


def train(data: Path, model: str, second: str | None = None) -> PairModel:
    """Fit the pair model for ``model`` (and the ``second`` model's cosine) on OG2021 dev."""
    articles = load_articles([data / "og2021-dev.jsonl"]).articles
    vectors = embed_articles(articles, CachedEmbedder(get_embedder(model)))
    extra = None
    if second is not None:
        rows = np.arange(len(articles))
        heads = embed_heads(articles, rows, CachedEmbedder(get_embedder(second)))
        extra = SecondVectors(rows, heads, heads.mean(axis=0))
    calibration = calibrate_articles(
        articles, vectors, model, gold_column="story", second=extra, second_name=second
    )
    return calibration.pair_model


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
    target.write_text(pair_model.to_json(), encoding="utf-8")
    print(f"wrote {target}")
    for feature, weight in zip(pair_model.features, pair_model.coef, strict=True):
        print(f"  {feature:<16} {weight:+.4f}")
    print(f"  {'intercept':<16} {pair_model.intercept:+.4f}")


if __name__ == "__main__":
    main()
