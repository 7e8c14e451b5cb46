"""Train the pair model that calibrates evidence into P(same story), on dev data only.

Produces clustering/models/pair-MODEL.json (shipped: pair-use.json, ``make train-pair-model``).
Run from the repository root:

    python -m training.train_pair_model [--data ../shared/data] [--model use]

Reads og2021-dev.jsonl, embeds the titles the way samestory does and calibrates the pair
model on their gold stories with :func:`clustering.evidence.calibrate.calibrate_articles`
(what ``samestory calibrate`` runs): all same-story pairs and 20 times as many random other
pairs within 120 hours (seed 0), each also with its dates hidden, the intercept corrected
for the sampling. With ``--second e5`` it fits the cascade's headline model
(``pair-use+e5.json``), which also reads the e5 cosine of the headlines. With
``--second e5 --bodies`` it fits the cascade's model for two full articles
(``pair-use+e5-bodies.json``) on semeval2022-pairs-dev.csv instead: each text read as
``cluster`` reads a text-only row, rated 1 (same story) to 4, with the first-order model's
mean and the e5 heads centred by their own mean
(:func:`clustering.evidence.calibrate.calibrate_ratings`). ``--second e5-story`` fits
the same two for the cascade with the tuned e5 (``pair-use+e5-story.json`` and
``pair-use+e5-story-bodies.json``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import pearsonr
from sklearn.model_selection import KFold

from clustering import load_articles
from clustering.evidence.calibrate import calibrate_articles, calibrate_ratings, pair_articles
from clustering.evidence.cascade import embed_heads
from clustering.evidence.features import ArticleEvidence, SecondVectors
from clustering.evidence.model import PairModel, shipped_pair_model
from embeddings import CachedEmbedder, get_embedder, model_languages
from embeddings.articles import embed_articles

#: The repository root: default paths are relative to it.
ROOT = Path(__file__).resolve().parent.parent


def train(data: Path, model: str, second: str | None = None, limit: int | None = None) -> PairModel:
    """Fit the pair model for ``model`` (and the ``second`` model's cosine) on OG2021 dev.

    ``limit``: the file's first ``limit`` articles only (a quick run, for the tests).
    """
    articles = load_articles([data / "og2021-dev.jsonl"]).articles.iloc[:limit]
    vectors = embed_articles(articles, CachedEmbedder(get_embedder(model)))
    extra = None
    if second is not None:
        rows = np.arange(len(articles))
        heads = embed_heads(articles, rows, CachedEmbedder(get_embedder(second)))
        extra = SecondVectors(rows, heads, heads.mean(axis=0))
    calibration = calibrate_articles(
        articles, vectors, model, gold_column="story", second=extra, second_model=second
    )
    return calibration.pair_model


def train_bodies(data: Path, model: str, second: str) -> PairModel:
    """Fit the cascade's model for two full articles on the SemEval-2022 dev pairs.

    Prints its 5-fold cross-validated Pearson correlation with −Overall (all pairs and the
    cross-lingual ones): the SemEval benchmark scores the very pairs it was fitted on.
    """
    base = shipped_pair_model(model)
    if base is None:
        sys.exit(f"no first-order pair model for {model!r}: train it first")
    rated = pd.read_csv(data / "semeval2022-pairs-dev.csv")
    articles, pairs, kept = pair_articles(
        list(rated["text1"]), list(rated["text2"]), list(rated["lang1"]), list(rated["lang2"])
    )
    vectors = embed_articles(articles, CachedEmbedder(get_embedder(model)))
    rows = np.arange(len(articles))
    heads = embed_heads(articles, rows, CachedEmbedder(get_embedder(second)))
    extra = SecondVectors(rows, heads, heads.mean(axis=0))
    ratings = rated["Overall"].to_numpy(dtype=float)[kept]
    cross = (rated["lang1"] != rated["lang2"]).to_numpy()[kept]
    held_out = np.zeros(len(ratings))
    for train_rows, test_rows in KFold(5, shuffle=True, random_state=0).split(ratings):
        fold = calibrate_ratings(
            articles,
            vectors,
            pairs[:, train_rows],
            ratings[train_rows],
            model,
            base.mean,
            extra,
            second,
        )
        evidence = ArticleEvidence.of(vectors, base.mean, articles, extra, model_languages(model))
        test = pairs[:, test_rows]
        held_out[test_rows] = fold.scores(evidence.pair_features(test[0], test[1]))
    print(
        f"5-fold CV Pearson(P, -Overall): {pearsonr(held_out, -ratings)[0]:.3f} "
        f"(cross-lingual {pearsonr(held_out[cross], -ratings[cross])[0]:.3f})"
    )
    return calibrate_ratings(articles, vectors, pairs, ratings, model, base.mean, extra, second)


def main() -> None:
    """Train and write the pair model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--model", default="use")
    parser.add_argument("--second", default=None, help="second model of the cascade (e5)")
    parser.add_argument(
        "--bodies", action="store_true", help="with --second: the model for two full articles"
    )
    args = parser.parse_args()
    if not (args.data / "og2021-dev.jsonl").exists():
        sys.exit(f"dev data not found in {args.data} (give --data)")
    if args.bodies and args.second is None:
        sys.exit("--bodies needs --second")
    if args.bodies:
        pair_model = train_bodies(args.data, args.model, args.second)
    else:
        pair_model = train(args.data, args.model, args.second)
    name = args.model if args.second is None else f"{args.model}+{args.second}"
    name += "-bodies" if args.bodies else ""
    target = ROOT / "clustering" / "models" / f"pair-{name}.json"
    target.write_text(pair_model.to_json(), encoding="utf-8")
    print(f"wrote {target}")
    for feature, weight in zip(pair_model.features, pair_model.coef, strict=True):
        print(f"  {feature:<16} {weight:+.4f}")
    print(f"  {'intercept':<16} {pair_model.intercept:+.4f}")


if __name__ == "__main__":
    main()
