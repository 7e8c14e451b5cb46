"""How far the bundled models' evidence reaches on the SemEval-2022 dev pairs: a ceiling.

Run from the repository root:

    python -m benchmarks.semeval_ceiling [--data ../shared/data] [--no-cache] [--json]

Issue 11 asks for Pearson ≥ 0.80 between `compare --pairs`'s P(same story) and −Overall.
This benchmark asks whether any model over the evidence USE and e5 give can get there.
Each pair gets every feature we could think of:

- ``bodies``: the 13 features of the shipped model for two full articles (USE cosine,
  e5 cosine of the heads, romanised prefix, character n-gram and name overlap, same
  language and its products);
- ``compare``: `compare`'s e5 cosine (whole texts and leads, centred per language) and its
  lexical overlap;
- ``align``: sentence alignment: e5 vectors of each title and ~200-character chunk, centred
  per language; the best cosine, and the mean of each chunk's best match both ways;
- ``names``: rare names shared over the whole texts, not only title and lead;
- ``numbers``: Jaccard overlap of the numbers of two or more digits;
- ``products``: the 384 products of the two whole-text e5 vectors (centred per language),
  dimension by dimension, so a learner can weigh each dimension (a diagonal adapter).

Three learners are fitted on them with 5-fold cross-validation (folds shuffled, seed 0):
the weighted logistic model the shipped bodies model is (its P), ridge regression on
−Overall, and gradient-boosted trees. Each row prints the held-out Pearson with −Overall,
over all pairs and the cross-lingual ones, and the pair F1 of the held-out scores with
Overall ≤ 1.5 as the same story and ≥ 3 as different, at the best single threshold (chosen
after the fact, so optimistic): the issue's clustering target counts pairs the same way.
The vector cache is on by default (this is a quality measure, not a speed one). The data
is read in place, never copied.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import pearsonr
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold

from benchmarks.options import data_json
from clustering.evidence.calibrate import DIFFERENT_RATING, SAME_RATING, design, pair_articles
from clustering.evidence.cascade import embed_heads
from clustering.evidence.centring import shipped_centring
from clustering.evidence.compare import score_pairs, whole_text
from clustering.evidence.features import ArticleEvidence, SecondVectors
from clustering.evidence.lexical import name_vectors
from clustering.evidence.model import SECOND_FEATURES, shipped_pair_model
from clustering.evidence.tfidf import row_dots
from embeddings import Embedder, encode_in_batches, make_embedder, model_languages
from embeddings.articles import embed_articles
from embeddings.documents import chunk_text

FILE = "semeval2022-pairs-dev.csv"
#: Characters per chunk of the sentence alignment.
CHUNK_CHARS = 200
_NUMBER = re.compile(r"\d{2,}")


def alignment(
    texts: list[tuple[str, str]], langs: list[str], pairs: np.ndarray, e5: Embedder
) -> np.ndarray:
    """Per pair: the best chunk cosine and the mean best match both ways (k × 2)."""
    centring = shipped_centring("e5")
    chunks = [[title, *chunk_text(body, CHUNK_CHARS)] for title, body in texts]
    owner = np.repeat(np.arange(len(chunks)), [len(c) for c in chunks])
    vectors = np.asarray(encode_in_batches(e5, [c for cs in chunks for c in cs]), np.float32)
    if centring is not None:
        vectors = centring.centre("lead", vectors, [langs[i] for i in owner])
    start = np.concatenate([[0], np.cumsum([len(c) for c in chunks])])
    out = np.zeros((pairs.shape[1], 2), dtype=np.float32)
    for k, (a, b) in enumerate(pairs.T):
        cosines = vectors[start[a] : start[a + 1]] @ vectors[start[b] : start[b + 1]].T
        out[k] = cosines.max(), (cosines.max(axis=1).mean() + cosines.max(axis=0).mean()) / 2
    return out


def products(texts: list[str], langs: list[str], pairs: np.ndarray, e5: Embedder) -> np.ndarray:
    """Per pair: the products of the two texts' e5 vectors, dimension by dimension."""
    vectors = np.asarray(encode_in_batches(e5, [whole_text(t) for t in texts]), np.float32)
    centring = shipped_centring("e5")
    if centring is not None:
        vectors = centring.centre("full", vectors, langs)
    return vectors[pairs[0]] * vectors[pairs[1]]


def number_overlap(texts: list[str], pairs: np.ndarray) -> np.ndarray:
    """Per pair: Jaccard overlap of the numbers (two or more digits) of the two texts."""
    numbers = [set(_NUMBER.findall(text)) for text in texts]
    return np.array(
        [len(numbers[a] & numbers[b]) / max(1, len(numbers[a] | numbers[b])) for a, b in pairs.T],
        dtype=np.float32,
    )


def feature_groups(data: Path, cache: bool) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Every feature group (pairs × columns), the ratings and which pairs are cross-lingual."""
    rated = pd.read_csv(data / FILE)
    articles, pairs, kept = pair_articles(
        list(rated["text1"]), list(rated["text2"]), list(rated["lang1"]), list(rated["lang2"])
    )
    use, e5 = make_embedder("use", cache=cache), make_embedder("e5", cache=cache)
    base = shipped_pair_model("use")
    if base is None:
        raise SystemExit("the shipped pair model for use is missing")
    rows = np.arange(len(articles))
    heads = embed_heads(articles, rows, e5)
    evidence = ArticleEvidence.of(
        embed_articles(articles, use),
        base.mean,
        articles,
        SecondVectors(rows, heads, heads.mean(axis=0)),
        model_languages(base.model),
    )
    titles, bodies = list(articles["title"]), list(articles["text"])
    langs = [str(lang) for lang in articles["lang"]]
    whole = [f"{title}\n{body}" for title, body in zip(titles, bodies, strict=True)]
    compared = score_pairs(
        [whole[i] for i in pairs[0]],
        [whole[i] for i in pairs[1]],
        [langs[i] for i in pairs[0]],
        [langs[i] for i in pairs[1]],
        embedder=e5,
    )
    groups = {
        "bodies": design(evidence.pair_features(pairs[0], pairs[1]), None, SECOND_FEATURES),
        "compare": np.stack([compared.embedding, compared.lexical], axis=1),
        "align": alignment(list(zip(titles, bodies, strict=True)), langs, pairs, e5),
        "names": row_dots(name_vectors(whole), pairs[0], pairs[1])[:, None],
        "numbers": number_overlap(whole, pairs)[:, None],
        "products": products(whole, langs, pairs, e5),
    }
    ratings = rated["Overall"].to_numpy(dtype=float)[kept]
    cross = (rated["lang1"] != rated["lang2"]).to_numpy()[kept]
    return groups, ratings, cross


def held_out(x: np.ndarray, ratings: np.ndarray, learner: str) -> np.ndarray:
    """5-fold cross-validated predictions of ``learner`` (higher: more alike)."""
    predicted = np.zeros(len(ratings))
    sameness = np.clip((4.0 - ratings) / 3.0, 0.0, 1.0)
    for train, test in KFold(5, shuffle=True, random_state=0).split(x):
        if learner == "logistic P":
            fitted = LogisticRegression(C=1.0, max_iter=5000).fit(
                np.concatenate([x[train], x[train]]),
                np.r_[np.ones(len(train)), np.zeros(len(train))],
                sample_weight=np.r_[sameness[train], 1.0 - sameness[train]],
            )
            predicted[test] = fitted.predict_proba(x[test])[:, 1]
        elif learner == "ridge":
            predicted[test] = Ridge(alpha=1.0).fit(x[train], -ratings[train]).predict(x[test])
        else:
            trees = HistGradientBoostingRegressor(max_iter=200, learning_rate=0.05, max_depth=3)
            predicted[test] = trees.fit(x[train], -ratings[train]).predict(x[test])
    return predicted


def best_pair_f1(predicted: np.ndarray, ratings: np.ndarray) -> float:
    """Pair F1 at the best threshold: Overall ≤ 1.5 is the same story, ≥ 3 different."""
    labelled = (ratings <= SAME_RATING) | (ratings >= DIFFERENT_RATING)
    same = ratings[labelled] <= SAME_RATING
    scores = predicted[labelled]
    order = np.argsort(-scores, kind="stable")
    true = np.cumsum(same[order])
    f1 = 2 * true / (np.arange(1, len(order) + 1) + same.sum())
    return float(f1.max())


def run_ceiling(data: Path, cache: bool = True) -> list[dict[str, object]]:
    """Held-out Pearson of each learner on the bodies features alone and on all of them."""
    groups, ratings, cross = feature_groups(data, cache)
    sets = {
        "bodies (the shipped model's)": ["bodies"],
        "bodies + compare": ["bodies", "compare"],
        "all": [name for name in groups if name != "products"],
        "all + products": list(groups),
    }
    results: list[dict[str, object]] = []
    for label, names in sets.items():
        x = np.hstack([groups[name] for name in names])
        for learner in ("logistic P", "ridge", "gradient boosting"):
            predicted = held_out(x, ratings, learner)
            results.append(
                {
                    "features": label,
                    "learner": learner,
                    "pearson": float(pearsonr(predicted, -ratings)[0]),
                    "pearson_cross": float(pearsonr(predicted[cross], -ratings[cross])[0]),
                    "pair_f1": best_pair_f1(predicted, ratings),
                }
            )
    return results


def ceiling_lines(rows: list[dict[str, object]]) -> list[str]:
    """The results of :func:`run_ceiling` as a Markdown section."""
    return [
        "### A ceiling: every feature, three learners, 5-fold CV (`benchmarks/semeval_ceiling.py`)",
        "",
        "Held-out Pearson with −Overall of models fitted on the SemEval dev pairs over the",
        "shipped bodies model's features, `compare`'s e5 cosines, sentence alignment, names",
        "over the whole texts, shared numbers and (last rows) the 384 products of the whole-text",
        "e5 vectors (vector cache on). Pair F1: Overall ≤ 1.5 same, ≥ 3 different, at the best",
        "threshold chosen after the fact.",
        "",
        "| features | learner | Pearson | Pearson (cross-lingual) | pair F1 |",
        "|---|---|---|---|---|",
        *(
            f"| {r['features']} | {r['learner']} | {r['pearson']:.3f} | "
            f"{r['pearson_cross']:.3f} | {r['pair_f1']:.3f} |"
            for r in rows
        ),
        "",
    ]


def main() -> None:
    """Print the table (or JSON)."""
    parser = data_json(__doc__.splitlines()[0])
    parser.add_argument("--no-cache", action="store_true", help="Embed everything afresh.")
    args = parser.parse_args()
    results = run_ceiling(args.data, cache=not args.no_cache)
    if args.json:
        print(json.dumps(results))
        return
    print("\n".join(ceiling_lines(results)))


if __name__ == "__main__":
    main()
