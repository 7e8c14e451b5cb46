"""Syndicated copies: 20,000 copies of one headline among 20,000 other articles.

Run from the repository root:

    python -m benchmarks.copies_bench [--data ../shared/data] [--copies 20000]
        [--others 20000] [--near] [--json]

The others are the OG2021 dev titles, repeated with their dates moved on by 46 days each
time until there are ``--others`` of them (six months of news at OG2021's density; a
repeat is more than a day from its original, so it is no copy of it). The copies are one
headline, published over twelve hours of one day in the middle. With ``--near`` they are
near copies instead: the headline with a source suffix (even ones) or a number changed
(odd ones), all different texts. Prints the time to cluster (vectors given) and the peak
memory of the process, with the size of the copies' story.

Vectors: the USE vectors of the OG2021 titles come from the vector cache (made once).
The copies' headline is embedded once; near copies get that vector plus a little noise
(cosine about 0.99 with it) unless ``--embed-near`` embeds each with the model, which
takes minutes on a shared 2-core machine. On a busy machine the CPU seconds say more than
the wall-clock ones. The data is read in place, never copied.
"""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.options import data_model_json
from clustering import StoryClusterer, load_articles
from embeddings import DEFAULT_MODEL, make_embedder
from embeddings.articles import embed_articles

FILE = "og2021-dev.jsonl"
HEADLINE = "Iranian defence minister visits Baku for talks with Aliyev"


def others(data_dir: str | Path, count: int) -> pd.DataFrame:
    """``count`` articles: the OG2021 dev titles, repeated 46 days later as often as needed."""
    base = load_articles([Path(data_dir) / FILE]).articles.drop(columns="story")
    parts = []
    for repeat in range(-(-count // len(base))):
        shifted = pd.to_datetime(base["published"]) + pd.Timedelta(days=46 * repeat)
        parts.append(base.assign(id=base["id"] + f"-r{repeat}", published=shifted))
    return pd.concat(parts, ignore_index=True).iloc[:count]


def copies(count: int, near: bool, day: pd.Timestamp) -> pd.DataFrame:
    """``count`` copies of :data:`HEADLINE` over twelve hours of ``day`` (or near copies)."""
    titles = [
        (f"{HEADLINE} - Source {k}" if k % 2 == 0 else HEADLINE.replace("for", f"for {k}"))
        if near
        else HEADLINE
        for k in range(count)
    ]
    return over_twelve_hours(titles, "copy", day)


def over_twelve_hours(titles: list[str], prefix: str, day: pd.Timestamp) -> pd.DataFrame:
    """English articles with ``titles``, evenly over twelve hours of ``day``, from 500 sources."""
    count = len(titles)
    return pd.DataFrame(
        {
            "id": [f"{prefix}-{k:06d}" for k in range(count)],
            "title": titles,
            "text": "",
            "published": day + pd.to_timedelta(np.arange(count) * 43200 // max(count, 1), "s"),
            "lang": "eng",
            "source": [f"source-{k % 500}" for k in range(count)],
            "url": None,
            "path": None,
        }
    )


def run_copies(
    data_dir: str | Path,
    model: str = DEFAULT_MODEL,
    count: int = 20000,
    other_count: int = 20000,
    near: bool = False,
    embed_near: bool = False,
) -> dict[str, Any]:
    """Cluster the copies among the others; time, peak memory and the copies' story."""
    background = others(data_dir, other_count)
    middle = pd.to_datetime(background["published"]).median().normalize()
    copied = copies(count, near, middle)
    articles = pd.concat([background, copied[background.columns]], ignore_index=True)
    embedder = make_embedder(model, cache=True)
    unique = background.drop_duplicates("title")
    found = dict(zip(unique["title"], embed_articles(unique, embedder), strict=True))
    if near and embed_near:
        copy_vectors = embed_articles(copied, embedder)
    else:
        one = embed_articles(copied.iloc[:1], embedder)[0]
        copy_vectors = np.repeat(one[None, :], count, axis=0)
        if near:  # a little noise: each near copy is a different point
            noise = np.random.default_rng(0).normal(size=copy_vectors.shape).astype(np.float32)
            copy_vectors = copy_vectors + 0.004 * noise
            copy_vectors /= np.linalg.norm(copy_vectors, axis=1, keepdims=True)
    vectors = np.concatenate([np.stack([found[t] for t in background["title"]]), copy_vectors])
    start, cpu = time.perf_counter(), time.process_time()
    fitted = StoryClusterer(embedder=embedder).fit(articles, embeddings=vectors)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    labels = fitted.labels_[len(background) :]
    return {
        "model": model,
        "copies": count,
        "near": near,
        "others": len(background),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "copy_stories": len(np.unique(labels)),
        "largest_copy_story": int(np.bincount(labels).max()),
        "stories": len(fitted.stories_),
    }


def main() -> None:
    """Print the measurements."""
    parser = data_model_json(__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20000)
    parser.add_argument("--others", type=int, default=20000)
    parser.add_argument("--near", action="store_true", help="Near copies, not exact ones.")
    parser.add_argument("--embed-near", action="store_true", help="Embed each near copy.")
    args = parser.parse_args()
    result = run_copies(args.data, args.model, args.copies, args.others, args.near, args.embed_near)
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{result['copies']} {'near ' if args.near else ''}copies among {result['others']} "
        f"others: {result['seconds']} s to cluster ({result['cpu_seconds']} s CPU), "
        f"peak RSS {result['peak_rss_mb']} MB; "
        f"copies in {result['copy_stories']} stories (largest {result['largest_copy_story']}), "
        f"{result['stories']} stories in all"
    )


if __name__ == "__main__":
    main()
