"""Small batches: how StoryClusterer does on 2 to 25 titles of one day, each batch alone.

Run from the repository root:

    python -m benchmarks.small_batches [--data ../shared/data] [--batches 60] [--seed 0]
        [--model use] [--json]

A news desk or a feed poller often clusters a handful of titles at a time, not thousands.
From og2021-dev.jsonl the benchmark draws ``--batches`` batches (fixed seed). Batch sizes
cycle through 2..25 in a shuffled order; each batch is one calendar day's titles: one to
three stories of that day with two or more titles each contribute two to five titles
(so every batch holds same-story pairs), and random other titles of the same day fill
the batch up. Every batch is clustered alone with default ``StoryClusterer`` settings
(vectors from the on-disk cache, passed with ``embeddings=``), and pair counting is
summed over all within-batch pairs (micro over batches): predicted same story against
gold same story gives pair precision, recall and F1, and the share of batches with at
least one false merge (a predicted pair from two gold stories). The same is reported for
the plain cosine cut-off (``pair_model=None``, the model's default ``max_distance``) for
context; with a model that has no shipped pair model the two are the same clusterer.
``full_set`` scores the same within-batch pairs when all of OG2021 dev is clustered at
once with default settings: what the batches would get with the whole dev set around them.

A fixed check: four unrelated English headlines, all published at the same moment, should
be four stories; ``four_headlines`` gives the stories found and their members.
The data is read in place, never copied into the repository.
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
import pandas as pd

from benchmarks.options import data_model_json
from clustering import StoryClusterer, articles_from_records, load_articles
from clustering.evidence.model import shipped_pair_model
from embeddings import DEFAULT_MODEL, Embedder, make_embedder
from embeddings.articles import embed_articles

#: The repository root: default paths are relative to it.
ROOT = Path(__file__).resolve().parent.parent

FILE = "og2021-dev.jsonl"
SMALLEST, LARGEST = 2, 25
#: Unrelated headlines that must not share a story, published at the same moment.
FOUR_HEADLINES = (
    "Strong earthquake shakes eastern Turkey, buildings damaged",
    "Greek ferry workers strike, ports paralysed",
    "Central bank raises interest rates by half a point",
    "Champions League: Barcelona beat Inter 3-1",
)


@dataclass
class PairCounts:
    """Pair counting summed over batches, and how many batches merged wrongly."""

    predicted: int = 0
    gold: int = 0
    together: int = 0
    batches: int = 0
    batches_false_merge: int = 0
    batches_missed_pair: int = 0

    def add(self, predicted: Sequence[object], gold: Sequence[object]) -> None:
        """Count the pairs of one batch."""
        predicted_pairs = gold_pairs = together = 0
        for i in range(len(gold)):
            for j in range(i + 1, len(gold)):
                same_predicted = str(predicted[i]) == str(predicted[j])
                same_gold = str(gold[i]) == str(gold[j])
                predicted_pairs += same_predicted
                gold_pairs += same_gold
                together += same_predicted and same_gold
        self.predicted += predicted_pairs
        self.gold += gold_pairs
        self.together += together
        self.batches += 1
        self.batches_false_merge += predicted_pairs > together
        self.batches_missed_pair += gold_pairs > together

    def summary(self) -> dict[str, float | int]:
        """Pair precision, recall and F1 (a grouping with no predicted pairs has P = 1)."""
        precision = self.together / self.predicted if self.predicted else 1.0
        recall = self.together / self.gold if self.gold else 1.0
        f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
        return {
            "pair_precision": precision,
            "pair_recall": recall,
            "pair_f1": f1,
            "predicted_pairs": self.predicted,
            "gold_pairs": self.gold,
            "correct_pairs": self.together,
            "false_merge_pairs": self.predicted - self.together,
            "batches_with_false_merge": self.batches_false_merge / self.batches,
            "batches_with_missed_pair": self.batches_missed_pair / self.batches,
        }


def draw_batches(articles: pd.DataFrame, batches: int, seed: int) -> list[np.ndarray]:
    """Row indices of ``batches`` same-day batches of 2..25 titles, each with a gold pair."""
    rng = np.random.default_rng(seed)
    days = articles["published"].dt.date.to_numpy()
    stories = articles["story"].to_numpy(dtype=str)
    by_day: dict[object, np.ndarray] = {
        day: np.flatnonzero(days == day) for day in sorted(set(days))
    }
    sizes = rng.permutation(np.resize(np.arange(SMALLEST, LARGEST + 1), batches))
    drawn = []
    for size in sizes:
        # Days with enough titles and at least one story told twice or more that day.
        eligible = [
            day
            for day, rows in by_day.items()
            if len(rows) >= size and pd.Series(stories[rows]).value_counts().iloc[0] >= 2
        ]
        rows = by_day[eligible[rng.integers(len(eligible))]]
        counts = pd.Series(stories[rows]).value_counts()
        repeated = list(counts[counts >= 2].index)
        chosen: list[int] = []
        for story in rng.permutation(repeated)[: rng.integers(1, 4)]:
            room = size - len(chosen)
            if room < 2:
                break
            members = rows[stories[rows] == story]
            take = min(int(rng.integers(2, 6)), len(members), room)
            chosen.extend(int(i) for i in rng.choice(members, take, replace=False))
        others = np.setdiff1d(rows, chosen)
        chosen.extend(int(i) for i in rng.choice(others, size - len(chosen), replace=False))
        drawn.append(np.array(chosen))
    return drawn


def four_headlines(embedder: Embedder) -> dict[str, object]:
    """The stories default settings make of the four unrelated headlines."""
    records = [
        {"id": str(i), "title": title, "published": "2021-07-01T12:00:00", "lang": "eng"}
        for i, title in enumerate(FOUR_HEADLINES)
    ]
    fitted = StoryClusterer(embedder=embedder).fit(articles_from_records(records).articles)
    return {
        "stories": len(fitted.stories_),
        "groups": [
            [FOUR_HEADLINES[int(member)] for member in story.members] for story in fitted.stories_
        ],
    }


def run_small_batches(
    data_dir: str | Path, batches: int = 60, seed: int = 0, model: str = DEFAULT_MODEL
) -> dict[str, Any]:
    """Micro pair scores over the batches, default and cosine clusterers, plus the check."""
    start = time.perf_counter()
    articles = load_articles([Path(data_dir) / FILE]).articles
    embedder = make_embedder(model, cache=True)
    vectors = embed_articles(articles, embedder)
    drawn = draw_batches(articles, batches, seed)
    clusterers = {
        "default": StoryClusterer(embedder=embedder),
        "cosine": StoryClusterer(embedder=embedder, pair_model=None),
    }
    counts = {name: PairCounts() for name in clusterers}
    cluster_seconds = dict.fromkeys(clusterers, 0.0)
    for rows in drawn:
        batch = articles.iloc[rows].reset_index(drop=True)
        gold = list(batch["story"])
        for name, clusterer in clusterers.items():
            begin = time.perf_counter()
            fitted = clusterer.fit(batch, embeddings=vectors[rows])
            cluster_seconds[name] += time.perf_counter() - begin
            counts[name].add(list(fitted.labels_), gold)
    # Context: the same within-batch pairs when all of OG2021 dev is clustered at once.
    begin = time.perf_counter()
    whole = StoryClusterer(embedder=embedder).fit(articles, embeddings=vectors)
    cluster_seconds["full_set"] = time.perf_counter() - begin
    counts["full_set"] = PairCounts()
    for rows in drawn:
        counts["full_set"].add(list(whole.labels_[rows]), list(articles["story"].iloc[rows]))
    sizes = [len(rows) for rows in drawn]
    return {
        "model": model,
        "pair_model": f"pair-{embedder.model}" if shipped_pair_model(embedder.model) else None,
        "seed": seed,
        "batches": len(drawn),
        "titles": int(sum(sizes)),
        "sizes": {"min": min(sizes), "median": float(np.median(sizes)), "max": max(sizes)},
        "within_batch_pairs": int(sum(n * (n - 1) // 2 for n in sizes)),
        **{
            name: counts[name].summary() | {"seconds": cluster_seconds[name]}
            for name in ("default", "cosine", "full_set")
        },
        "four_headlines": four_headlines(embedder),
        "seconds": time.perf_counter() - start,
    }


def main() -> None:
    """Draw the batches, cluster each alone, print the scores."""
    parser = data_model_json(__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not (args.data / FILE).exists():
        sys.exit(f"benchmark data not found: {args.data / FILE} (give --data)")
    r = run_small_batches(args.data, args.batches, args.seed, args.model)
    if args.json:
        print(json.dumps(r))
        return
    print(
        f"{r['batches']} batches of {r['sizes']['min']}..{r['sizes']['max']} same-day titles "
        f"({r['titles']} titles, {r['within_batch_pairs']} within-batch pairs), model {r['model']}"
    )
    for name in ("default", "cosine", "full_set"):
        s = r[name]
        print(
            f"{name:8} pair P {s['pair_precision']:.3f}  R {s['pair_recall']:.3f}  "
            f"F1 {s['pair_f1']:.3f}  ({s['correct_pairs']}/{s['predicted_pairs']} predicted, "
            f"{s['gold_pairs']} gold)  batches with a false merge "
            f"{s['batches_with_false_merge']:.0%}"
        )
    check = r["four_headlines"]
    print(f"four unrelated headlines: {check['stories']} stories {check['groups']}")
    print(f"{r['seconds']:.1f} s")


if __name__ == "__main__":
    main()
