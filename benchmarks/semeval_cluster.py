"""Full texts: StoryClusterer on every SemEval-2022 Task 8 dev text at once, scored as pairs.

Run from the repository root:

    python -m benchmarks.semeval_cluster [--data ../shared/data] [--model use] [--cache]
        [--no-compare] [--json]

Every distinct text of semeval2022-pairs-dev.csv (text1 and text2, whitespace folded as
`samestory compare --pairs` reads cells, identical texts once) becomes an article with
only an id, its text and its language (lang1/lang2); the pairs carry no dates, so every
article is undated and the title is what the reader makes of the text (its first line or
sentence). Texts the reader cannot use (cleaning leaves nothing) are skipped and count as
stories of their own. All the texts are clustered together with default ``StoryClusterer``
settings, and the clustering is scored on the dev pairs: Overall ≤ 1.5 is "same story",
Overall ≥ 3 is "different", pairs in between are ignored; a pair is predicted same when
both texts end in the same story. Pair precision, recall and F1 are reported over all
labelled pairs and over the cross-lingual ones (lang1 != lang2).

``seconds`` is end to end (reading, embedding, evidence, HDBSCAN) with no vector cache,
so it is the cold cost; ``--cache`` reuses the on-disk cache for a warm run. The default
model is USE; ``--model e5`` clusters with e5 (slow cold: give ``--cache`` if it is warm).

For context, ``compare`` gives the best F1 a single threshold on the `samestory compare`
similarity (e5, cached vectors) reaches on the same labelled pairs, with the threshold
chosen on those same pairs (an optimistic upper reference, not a held-out score); its
cross-lingual F1 is at that threshold. The data is read in place, never copied into the
repository.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.options import data_model_json
from clustering import StoryClusterer, articles_from_records
from clustering.evidence.cascade import SMALL_BATCH
from clustering.evidence.compare import COMPARE_MODEL, score_pairs
from clustering.output.pairs import PairTable, read_pairs
from embeddings import DEFAULT_MODEL, make_embedder

#: The repository root: default paths are relative to it.
ROOT = Path(__file__).resolve().parent.parent

FILE = "semeval2022-pairs-dev.csv"
#: Overall at or below this is the same story; at or above DIFFERENT, a different one.
SAME, DIFFERENT = 1.5, 3.0


def pair_scores(predicted: np.ndarray, same: np.ndarray) -> dict[str, float | int]:
    """Precision, recall and F1 of ``predicted`` (bool per pair) against ``same``."""
    tp = int(np.sum(predicted & same))
    fp = int(np.sum(predicted & ~same))
    fn = int(np.sum(~predicted & same))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return {
        "pairs": len(same),
        "same": int(same.sum()),
        "different": int((~same).sum()),
        "predicted_same": tp + fp,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "pair_precision": precision,
        "pair_recall": recall,
        "pair_f1": f1,
    }


def best_threshold(similarity: np.ndarray, same: np.ndarray) -> float:
    """The cut-off t (predict same when similarity ≥ t) with the best F1 on these pairs."""
    candidates = np.unique(similarity)
    f1 = [pair_scores(similarity >= t, same)["pair_f1"] for t in candidates]
    return float(candidates[int(np.argmax(f1))])


def distinct_texts(table: PairTable) -> tuple[list[str], list[str | None]]:
    """Each distinct text of the pairs once, in order of first appearance, with its language."""
    left_langs = table.left_langs or [None] * len(table.left)
    right_langs = table.right_langs or [None] * len(table.right)
    langs: dict[str, str | None] = {}
    for side, side_langs in ((table.left, left_langs), (table.right, right_langs)):
        for text, lang in zip(side, side_langs, strict=True):
            langs.setdefault(text, lang)
    return list(langs), list(langs.values())


def cluster_with(
    clusterer: StoryClusterer, texts: Sequence[str], langs: Sequence[str | None]
) -> tuple[dict[str, str], dict[str, object]]:
    """Each text's story under ``clusterer`` (a skipped text has its own), what it found."""
    records: list[dict[str, object]] = [
        {"id": f"T{i:04d}", "text": text, "lang": lang}
        for i, (text, lang) in enumerate(zip(texts, langs, strict=True))
    ]
    loaded = articles_from_records(records, FILE, skip_bad=True)
    fitted = clusterer.fit(loaded.articles)
    story_of = {str(r["id"]): str(r["story"]) for r in fitted.articles_.to_dict("records")}
    sizes = np.bincount(fitted.labels_)
    story = {
        text: story_of.get(str(record["id"]), f"skipped-{record['id']}")
        for text, record in zip(texts, records, strict=True)
    }
    found: dict[str, object] = {
        "texts": len(texts),
        "skipped": len(loaded.skipped),
        "dated": int(fitted.articles_["published"].notna().sum()),
        "stories": len(fitted.stories_),
        "multi_text_stories": int(np.sum(sizes > 1)),
        "outliers": int(fitted.outliers_.sum()),
        "largest_story": int(sizes.max()),
    }
    return story, found


def cluster_texts(
    texts: Sequence[str],
    langs: Sequence[str | None],
    model: str,
    cache: bool,
    second_up_to: int = SMALL_BATCH,
) -> tuple[dict[str, str], dict[str, object]]:
    """Each text's story under default settings with ``model``, and what the run found."""
    embedder = make_embedder(model, cache=cache)
    return cluster_with(StoryClusterer(embedder=embedder, second_up_to=second_up_to), texts, langs)


@dataclass(frozen=True)
class Labels:
    """Per rated pair: labelled (same or different), same story, cross-lingual."""

    labelled: np.ndarray
    same: np.ndarray
    cross: np.ndarray

    @classmethod
    def of(cls, table: PairTable) -> Labels:
        """The labels of the pairs' Overall ratings and languages."""
        overall = np.array([float(str(row["Overall"])) for row in table.rows])
        cross = np.array([row["lang1"] != row["lang2"] for row in table.rows], dtype=bool)
        return cls((overall <= SAME) | (overall >= DIFFERENT), overall <= SAME, cross)

    def within(self, rows: np.ndarray) -> Labels:
        """The same labels with only ``rows`` (a mask over the pairs) labelled."""
        return Labels(self.labelled & rows, self.same, self.cross)

    def scores(self, predicted: np.ndarray) -> dict[str, dict[str, float | int]]:
        """Pair scores of ``predicted`` (bool per pair) over the labelled pairs, all and cross."""
        both = self.labelled & self.cross
        return {
            "all": pair_scores(predicted[self.labelled], self.same[self.labelled]),
            "cross_lingual": pair_scores(predicted[both], self.same[both]),
        }


def same_story(table: PairTable, story: dict[str, str]) -> np.ndarray:
    """Per pair, whether both its texts ended in one story."""
    return np.array([story[a] == story[b] for a, b in zip(table.left, table.right, strict=True)])


def run_semeval_cluster(
    data_dir: str | Path,
    model: str = DEFAULT_MODEL,
    cache: bool = False,
    compare: bool = True,
    second_up_to: int = SMALL_BATCH,
) -> dict[str, Any]:
    """Pair scores of one clustering of all the texts, timing, and the compare reference.

    ``second_up_to`` is ``StoryClusterer``'s: above the number of texts, every text gets
    the cascade's e5 vector.
    """
    start = time.perf_counter()
    table = read_pairs(Path(data_dir) / FILE, "text1", "text2", "lang1", "lang2")
    texts, langs = distinct_texts(table)
    story, found = cluster_texts(texts, langs, model, cache, second_up_to)
    seconds = time.perf_counter() - start
    labels = Labels.of(table)
    labelled, same, cross = labels.labelled, labels.same, labels.cross
    result: dict[str, Any] = {
        "model": model,
        "cache": cache,
        **found,
        "pairs": len(labelled),
        "ignored_pairs": int((~labelled).sum()),
        "identical_text_pairs": int(
            sum(a == b for a, b in zip(table.left, table.right, strict=True))
        ),
        **labels.scores(same_story(table, story)),
        "seconds": seconds,
        "texts_per_second": len(texts) / seconds,
    }
    if compare:
        similarity = score_pairs(
            table.left,
            table.right,
            table.left_langs,
            table.right_langs,
            embedder=make_embedder(COMPARE_MODEL, cache=True),
        ).similarity
        threshold = best_threshold(similarity[labelled], same[labelled])
        above = similarity >= threshold
        both = labelled & cross
        result["compare"] = {
            "model": COMPARE_MODEL,
            "threshold": threshold,
            "threshold_chosen_on": "these same labelled pairs",
            "all": pair_scores(above[labelled], same[labelled]),
            "cross_lingual": pair_scores(above[both], same[both]),
            "cross_lingual_best_threshold": best_threshold(similarity[both], same[both]),
        }
    return result


def _line(name: str, s: dict[str, float | int]) -> str:
    return (
        f"{name:26} P {s['pair_precision']:.3f}  R {s['pair_recall']:.3f}  "
        f"F1 {s['pair_f1']:.3f}  ({s['true_positives']}/{s['predicted_same']} predicted, "
        f"{s['same']} same, {s['different']} different)"
    )


def main() -> None:
    """Cluster the texts, print the pair scores."""
    parser = data_model_json(__doc__.splitlines()[0])
    parser.add_argument("--cache", action="store_true", help="Use the on-disk vector cache.")
    parser.add_argument(
        "--no-compare", action="store_true", help="Skip the compare-threshold reference."
    )
    parser.add_argument(
        "--second-up-to", type=int, default=SMALL_BATCH, help="as for samestory cluster"
    )
    args = parser.parse_args()
    if not (args.data / FILE).exists():
        sys.exit(f"benchmark data not found: {args.data / FILE} (give --data)")
    r = run_semeval_cluster(
        args.data, args.model, args.cache, not args.no_compare, args.second_up_to
    )
    if args.json:
        print(json.dumps(r))
        return
    print(
        f"{r['texts']} texts ({r['skipped']} skipped, {r['dated']} dated), model {r['model']}"
        f"{' (cached)' if r['cache'] else ' (cold)'}: {r['stories']} stories, "
        f"{r['multi_text_stories']} with 2+ texts, largest {r['largest_story']}"
    )
    print(_line("clustering, all", r["all"]))
    print(_line("clustering, cross-lingual", r["cross_lingual"]))
    print(f"{r['seconds']:.1f} s, {r['texts_per_second']:.1f} texts/s")
    if "compare" in r:
        c = r["compare"]
        print(f"compare ({c['model']}) at its best threshold {c['threshold']:.3f} on these pairs:")
        print(_line("compare, all", c["all"]))
        print(_line("compare, cross-lingual", c["cross_lingual"]))


if __name__ == "__main__":
    main()
