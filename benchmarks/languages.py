"""How well each language of OG2021 dev is clustered, above all Slovenian, which USE lacks.

Run from the repository root:

    python -m benchmarks.languages [--data ../shared/data] [--model use] [--json]

Clusters og2021-dev.jsonl with the default settings (cached vectors) and, for the articles
of each language: BCubed precision, recall and F1 averaged over those articles (their
stories and clusters span every language), and, over the pairs of one article in the
language and one in another, the share of gold same-story pairs put together
(cross-lingual recall) and the share of pairs put together that are gold same-story
(cross-lingual precision). The data is read in place, never copied into the repository.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.options import data_model_json
from clustering import StoryClusterer, load_articles
from embeddings import DEFAULT_MODEL, make_embedder
from embeddings.articles import embed_articles

FILE = "og2021-dev.jsonl"


def language_scores(
    langs: np.ndarray, predicted: np.ndarray, gold: np.ndarray, lang: str
) -> dict[str, Any]:
    """BCubed over the articles of ``lang``, and its cross-lingual pair precision and recall."""
    mine = np.flatnonzero(langs == lang)
    precision, recall = [], []
    for i in mine:
        cluster, story = predicted == predicted[i], gold == gold[i]
        both = np.count_nonzero(cluster & story)
        precision.append(both / np.count_nonzero(cluster))
        recall.append(both / np.count_nonzero(story))
    p, r = float(np.mean(precision)), float(np.mean(recall))
    other = langs != lang
    same_story = gold[mine][:, None] == gold[other][None, :]
    together = predicted[mine][:, None] == predicted[other][None, :]
    hits = int(np.count_nonzero(same_story & together))
    gold_pairs, predicted_pairs = int(same_story.sum()), int(together.sum())
    return {
        "lang": lang,
        "articles": len(mine),
        "bcubed_precision": p,
        "bcubed_recall": r,
        "bcubed_f1": 0.0 if p + r == 0 else 2 * p * r / (p + r),
        "cross_gold_pairs": gold_pairs,
        "cross_predicted_pairs": predicted_pairs,
        "cross_recall": hits / gold_pairs if gold_pairs else float("nan"),
        "cross_precision": hits / predicted_pairs if predicted_pairs else float("nan"),
    }


def run_languages(data_dir: str | Path, model: str = DEFAULT_MODEL) -> list[dict[str, Any]]:
    """Scores per language, most articles first."""
    articles = load_articles([Path(data_dir) / FILE]).articles
    embedder = make_embedder(model, cache=True)
    fitted = StoryClusterer(embedder=embedder).fit(
        articles, embeddings=embed_articles(articles, embedder)
    )
    langs = articles["lang"].to_numpy(dtype=str)
    gold = articles["story"].to_numpy(dtype=str)
    counts = {lang: int((langs == lang).sum()) for lang in set(langs)}
    ordered = sorted(counts, key=lambda lang: (-counts[lang], lang))
    return [language_scores(langs, fitted.labels_, gold, lang) for lang in ordered]


def main() -> None:
    """Print the scores per language."""
    args = data_model_json(__doc__.splitlines()[0]).parse_args()
    rows = run_languages(args.data, args.model)
    if args.json:
        print(json.dumps(rows))
        return
    for r in rows:
        print(
            f"{r['lang']} {r['articles']:5d}  BCubed P {r['bcubed_precision']:.3f} "
            f"R {r['bcubed_recall']:.3f} F1 {r['bcubed_f1']:.3f}  cross-lingual "
            f"R {r['cross_recall']:.3f} ({r['cross_gold_pairs']} gold pairs) "
            f"P {r['cross_precision']:.3f} ({r['cross_predicted_pairs']} predicted)"
        )


if __name__ == "__main__":
    main()
