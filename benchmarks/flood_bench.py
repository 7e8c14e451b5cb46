"""Breaking-news floods: thousands of same-day entries about one event among other news.

Run from the repository root:

    python -m benchmarks.flood_bench [--data ../shared/data] [--entries 10000]
        [--others 20000] [--json]

The entries are "Entry i about the Geneva talks" (i = 0, 1, ...), published over twelve
hours of one day in the middle of the others: different texts (so they are no copies of
one another), near-identical in meaning (USE cosines mostly 0.8 to 0.95, under the near
copies' 0.95), as a wire desk receives a breaking story. The others are the OG2021 dev
titles repeated 46 days apart (see benchmarks/copies_bench.py). Every entry is embedded
with the model (not cached, unless ``--cache``); the others' vectors come from the vector
cache. Prints the
embedding time, the time to cluster (vectors given), the peak memory of the process and
how many stories hold the entries. Measure the whole process with ``/usr/bin/time -v``.
"""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.copies_bench import others, over_twelve_hours
from benchmarks.options import data_model_json
from clustering import StoryClusterer
from embeddings import DEFAULT_MODEL, make_embedder
from embeddings.articles import embed_articles

ENTRY = "Entry {} about the Geneva talks"


def entries(count: int, day: pd.Timestamp) -> pd.DataFrame:
    """``count`` entries about one event over twelve hours of ``day``."""
    return over_twelve_hours([ENTRY.format(k) for k in range(count)], "flood", day)


def run_flood(
    data_dir: str | Path,
    model: str = DEFAULT_MODEL,
    count: int = 10000,
    other_count: int = 20000,
    cache: bool = False,
) -> dict[str, Any]:
    """Cluster the entries among the others; times, peak memory and the entries' stories."""
    background = others(data_dir, other_count)
    middle = pd.to_datetime(background["published"]).median().normalize()
    flood = entries(count, middle)
    articles = pd.concat([background, flood[background.columns]], ignore_index=True)
    cached = make_embedder(model, cache=True)
    unique = background.drop_duplicates("title")
    found = dict(zip(unique["title"], embed_articles(unique, cached), strict=True))
    start = time.perf_counter()
    flood_vectors = embed_articles(flood, make_embedder(model, cache=cache))
    embedding = time.perf_counter() - start
    vectors = np.concatenate([np.stack([found[t] for t in background["title"]]), flood_vectors])
    start, cpu = time.perf_counter(), time.process_time()
    fitted = StoryClusterer(embedder=cached).fit(articles, embeddings=vectors)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    labels = fitted.labels_[len(background) :]
    return {
        "model": model,
        "entries": count,
        "others": len(background),
        "embed_seconds": round(embedding, 1),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "entry_stories": len(np.unique(labels)),
        "largest_entry_story": int(np.bincount(labels).max()),
        "stories": len(fitted.stories_),
    }


def main() -> None:
    """Print the measurements."""
    parser = data_model_json(__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10000)
    parser.add_argument("--others", type=int, default=20000)
    parser.add_argument(
        "--cache", action="store_true", help="Keep the entries' vectors in the vector cache."
    )
    args = parser.parse_args()
    result = run_flood(args.data, args.model, args.entries, args.others, args.cache)
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{result['entries']:,} entries about one event among {result['others']:,} others: "
        f"embedded in {result['embed_seconds']} s, clustered in {result['seconds']} s "
        f"({result['cpu_seconds']} s CPU), peak RSS {result['peak_rss_mb']:,} MB; entries in "
        f"{result['entry_stories']} stories (largest {result['largest_entry_story']:,}), "
        f"{result['stories']:,} stories in all"
    )


if __name__ == "__main__":
    main()
