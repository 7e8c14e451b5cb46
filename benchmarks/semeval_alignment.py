"""Passages matched across two articles in the bodies model (issue 23 item 5), held out.

Run from the repository root (the fold adapters first: ``python -m training.train_encoder
--folds 3 --adapters DIR``):

    python -m benchmarks.semeval_alignment [--data ../shared/data] --adapters DIR [--json]

An article is more than one averaged vector: the second model also embeds its title and
its body in chunks of about 200 characters (:func:`benchmarks.semeval_ceiling.alignment`:
centred per language; per pair, the best cosine of any two chunks and the mean best match
both ways). On the encoder's SemEval folds (:mod:`benchmarks.semeval_folds`), the bodies
model's features (:data:`SECOND_FEATURES`, as ``heldout_semeval`` fits them) are fitted
with and without those two, as the bodies model is fitted (weighted logistic on the
ratings), on the other folds; Pearson with −Overall is pooled over the folds, for frozen
e5 and for fold K's tuned e5.

Then the seeds: both models with frozen e5 fitted on all of dev score the seeds' ten
pairs. The bodies model is what ``cluster`` uses for two full articles, so a pair of
different stories above P 0.5 is a link the seeds must not have (issue 23 keeps their
three stories and keeps 001 and 003 apart).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import pearsonr
from sklearn.linear_model import LogisticRegression

from benchmarks.options import ROOT
from benchmarks.semeval_ceiling import alignment
from benchmarks.semeval_folds import FOLDS, RatedTexts, second_e5
from clustering.evidence.calibrate import DIFFERENT_RATING, design, sameness
from clustering.evidence.cascade import embed_heads
from clustering.evidence.features import ArticleEvidence, SecondVectors
from clustering.evidence.model import SECOND_FEATURES, shipped_pair_model
from clustering.reading.loaders import load_articles
from embeddings import CachedEmbedder, Embedder, get_embedder, model_languages
from embeddings.articles import embed_articles

SEEDS = ROOT / "seeds"


#: How a fit reads the ratings: the shipped bodies model's weights, or two binary cuts
#: (at most the cut: the same story; at least 3: different; those between left out).
LABELS = ("weighted", "same at most 2", "same at most 1.5")


def fitted(
    x: np.ndarray, ratings: np.ndarray, labels: str = LABELS[0]
) -> Callable[[np.ndarray], np.ndarray]:
    """A bodies model fitted on rows ``x``, as P of other rows (``labels``: :data:`LABELS`).

    ``weighted`` is how :func:`calibrate_ratings` reads ratings; constant columns are left
    out, as :func:`fit_pair_model` leaves them out.
    """
    varying = x.min(axis=0) != x.max(axis=0)
    learner = LogisticRegression(C=1.0, max_iter=5000)
    if labels == "weighted":
        same = sameness(ratings)
        learner.fit(
            np.concatenate([x, x])[:, varying],
            np.r_[np.ones(len(x)), np.zeros(len(x))],
            sample_weight=np.r_[same, 1.0 - same],
        )
    else:
        cut = float(labels.rsplit(" ", 1)[1])
        kept = (ratings <= cut) | (ratings >= DIFFERENT_RATING)
        learner.fit(x[kept][:, varying], ratings[kept] <= cut)
    return lambda rows: learner.predict_proba(rows[:, varying])[:, 1]


def pair_rows(
    articles: pd.DataFrame, pairs: np.ndarray, e5: Embedder, mean: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bodies features and the two alignment columns of ``pairs``, and the heads' mean."""
    use = CachedEmbedder(get_embedder("use"))
    base = shipped_pair_model("use")
    assert base is not None
    every = np.arange(len(articles))
    heads = embed_heads(articles, every, e5)
    centre = heads.mean(axis=0) if mean is None else mean
    evidence = ArticleEvidence.of(
        embed_articles(articles, use),
        base.mean,
        articles,
        SecondVectors(every, heads, centre),
        model_languages(base.model),
    )
    x = design(evidence.pair_features(pairs[0], pairs[1]), None, SECOND_FEATURES)
    titles, bodies = list(articles["title"]), list(articles["text"])
    langs = [str(lang) for lang in articles["lang"]]
    return x, alignment(list(zip(titles, bodies, strict=True)), langs, pairs, e5), centre


def run_alignment(data: Path, adapters: Path) -> dict[str, dict[str, float]]:
    """Per bodies model: held-out Pearson, and the seeds' same and different stories' P."""
    rated = RatedTexts.read(data)
    ratings, folds = rated.ratings, rated.folds[rated.kept]
    cross = (rated.frame["lang1"] != rated.frame["lang2"]).to_numpy()[rated.kept]
    seeds = load_articles(sorted(SEEDS.glob("*.txt"))).articles
    seed_pairs = np.stack(np.triu_indices(len(seeds), 1))
    story = dict(pd.read_csv(SEEDS / "labels.csv")[["file", "story"]].itertuples(index=False))
    ids = [str(i) for i in seeds["id"]]
    same = np.array([story[ids[a]] == story[ids[b]] for a, b in seed_pairs.T])
    results: dict[str, dict[str, float]] = {}
    for system in ("e5", "e5-story"):
        rows = []
        for fold in range(FOLDS):
            e5 = CachedEmbedder(second_e5(system, fold, adapters))
            x, aligned, mean = pair_rows(rated.articles, rated.pairs, e5)
            seed_x, seed_aligned, _ = pair_rows(seeds, seed_pairs, e5, mean)
            rows.append(((x, seed_x), (np.c_[x, aligned], np.c_[seed_x, seed_aligned])))
        for labels in LABELS if system == "e5" else LABELS[:1]:
            for k, name in enumerate(("without", "with")):
                predicted = np.zeros(len(ratings))
                for fold in range(FOLDS):
                    test = folds == fold
                    x = rows[fold][k][0]
                    predicted[test] = fitted(x[~test], ratings[~test], labels)(x[test])
                entry = {
                    "pearson": float(pearsonr(predicted, -ratings)[0]),
                    "pearson_cross": float(pearsonr(predicted[cross], -ratings[cross])[0]),
                }
                if system == "e5":  # the seeds: fitted on all of dev
                    x, seed_x = rows[0][k]
                    p = fitted(x, ratings, labels)(seed_x)
                    entry["seeds_same_lowest"] = float(p[same].min())
                    entry["seeds_different_highest"] = float(p[~same].max())
                results[f"{system}, {labels}, {name} alignment"] = entry
    return results


def main() -> None:
    """Print the held-out Pearson table and the seeds' P (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--adapters", type=Path, required=True, help="fold-K-of-3.npz files")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run_alignment(args.data, args.adapters)
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(
        "| bodies model | Pearson, all | cross-lingual | seeds: lowest same | highest different |"
    )
    print("|---|---|---|---|---|")
    for name, r in results.items():
        seeds = [r.get("seeds_same_lowest"), r.get("seeds_different_highest")]
        shown = " | ".join("—" if v is None else f"{v:.2f}" for v in seeds)
        print(f"| {name} | {r['pearson']:.3f} | {r['pearson_cross']:.3f} | {shown} |")


if __name__ == "__main__":
    main()
