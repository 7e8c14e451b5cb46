"""A store fed as a wire desk feeds it: OG2021 dev one day at a time, and ten at a time.

Run from the repository root:

    python -m benchmarks.store_feed [--data ../shared/data] [--model use] [--json]

Clusters og2021-dev.jsonl at once with default settings (the batch), then feeds the same
articles, in order of publication (then id), into a fresh story store: once one calendar
day per ``add``, once ten articles per ``add``. Reports BCubed of each against the gold
stories, the difference from the batch, and the seconds each feed took (vectors come from
the on-disk cache, so this is the store's own cost). The data is read in place, never
copied into the repository.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.options import data_model_json
from clustering import StoryClusterer, load_articles
from clustering.evaluation.metrics import score
from clustering.store.store import StoryStore
from embeddings import DEFAULT_MODEL, Embedder, make_embedder
from embeddings.articles import embed_articles

FILE = "og2021-dev.jsonl"
#: Articles per ``add`` in the second feed.
FEED_SIZE = 10


def by_day(ordered: pd.DataFrame) -> Iterator[pd.DataFrame]:
    """One calendar day of articles at a time."""
    days = ordered["published"].dt.date
    for day in days.unique():
        yield ordered[days == day]


def by_ten(ordered: pd.DataFrame) -> Iterator[pd.DataFrame]:
    """:data:`FEED_SIZE` articles at a time."""
    for start in range(0, len(ordered), FEED_SIZE):
        yield ordered.iloc[start : start + FEED_SIZE]


def feed(
    articles: pd.DataFrame, parts: Iterator[pd.DataFrame], embedder: Embedder
) -> dict[str, Any]:
    """BCubed of the stories a fresh store ends with after adding ``parts`` in order."""
    start = time.perf_counter()
    adds = 0
    with (
        tempfile.TemporaryDirectory() as folder,
        StoryStore(Path(folder) / "feed.db", embedder) as store,
    ):
        for part in parts:
            store.add(part)
            adds += 1
        stored = store.articles().set_index("id")["story"]
    seconds = time.perf_counter() - start
    found = score([stored[i] for i in articles["id"]], list(articles["story"]))
    return {
        "adds": adds,
        "bcubed_precision": found.bcubed_precision,
        "bcubed_recall": found.bcubed_recall,
        "bcubed_f1": found.bcubed_f1,
        "seconds": seconds,
    }


def run_store_feed(data_dir: str | Path, model: str = DEFAULT_MODEL) -> dict[str, Any]:
    """The batch's BCubed and the two feeds', each with its difference from the batch."""
    articles = load_articles([Path(data_dir) / FILE]).articles
    embedder = make_embedder(model, cache=True)
    vectors = embed_articles(articles, embedder)
    fitted = StoryClusterer(embedder=embedder).fit(articles, embeddings=vectors)
    batch = score(list(fitted.labels_), list(articles["story"]))
    ordered = articles.sort_values(["published", "id"], kind="stable").reset_index(drop=True)
    result: dict[str, Any] = {
        "model": model,
        "articles": len(articles),
        "batch": {
            "bcubed_precision": batch.bcubed_precision,
            "bcubed_recall": batch.bcubed_recall,
            "bcubed_f1": batch.bcubed_f1,
        },
    }
    for name, parts in (("one_day", by_day(ordered)), ("ten", by_ten(ordered))):
        result[name] = feed(articles, parts, embedder)
        result[name]["drop"] = float(np.round(batch.bcubed_f1 - result[name]["bcubed_f1"], 4))
    return result


def main() -> None:
    """Print the batch and the two feeds."""
    args = data_model_json(__doc__.splitlines()[0]).parse_args()
    result = run_store_feed(args.data, args.model)
    if args.json:
        print(json.dumps(result))
        return
    print(f"batch      BCubed F1 {result['batch']['bcubed_f1']:.4f}")
    for name in ("one_day", "ten"):
        r = result[name]
        print(
            f"{name:<10} BCubed P {r['bcubed_precision']:.4f} R {r['bcubed_recall']:.4f} "
            f"F1 {r['bcubed_f1']:.4f} (batch − feed {r['drop']:+.4f}), {r['adds']} adds, "
            f"{r['seconds']:.1f} s"
        )


if __name__ == "__main__":
    main()
