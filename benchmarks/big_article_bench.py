"""One huge article: clustering a 5 MB article with the default article limit and a raised one.

Run from the repository root:

    python -m benchmarks.big_article_bench [--megabytes 5] [--json]

The article is the seed articles' texts (seeds/), repeated until it has ``--megabytes``
MB of UTF-8, in a JSONL file with the five seeds as short articles beside it. Each case
clusters that file end to end (``cluster_paths``, default settings, no vector cache) in a
fresh process, so its peak resident memory is its own: once with the default
``--max-article-bytes`` (the text is cut, with a warning) and once with the limit raised
above the article's size (the whole text is embedded, chunk by chunk).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from clustering.pipeline import cluster_paths
from clustering.reading.limits import DEFAULT_MAX_ARTICLE_BYTES, ReadOptions
from embeddings import make_embedder

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def write_input(path: Path, megabytes: float) -> int:
    """Write the benchmark's JSONL file; returns the big article's size in bytes."""
    texts = [seed.read_text(encoding="utf-8") for seed in sorted(SEEDS.glob("*.txt"))]
    unit = "\n\n".join(texts)
    size = int(megabytes * 1_000_000)
    body = (unit * (size // len(unit.encode("utf-8")) + 1)).encode("utf-8")[:size]
    text = body.decode("utf-8", "ignore")
    rows = [{"id": "big", "title": "One very long article", "text": text}]
    rows += [{"id": f"seed{i}", "text": t} for i, t in enumerate(texts)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return len(text.encode("utf-8"))


def run_case(path: Path, max_article_bytes: int) -> dict[str, Any]:
    """Cluster ``path`` with the article limit given; seconds and peak memory (this process)."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = cluster_paths(
            [path],
            embedder=make_embedder(cache=False),
            reading=ReadOptions(max_article_bytes=max_article_bytes),
        )
    seconds = time.perf_counter() - start
    return {
        "max_article_bytes": max_article_bytes,
        "seconds": round(seconds, 1),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "articles": len(result.articles),
        "stories": len(result.stories),
    }


def main() -> None:
    """Run both cases, each in a fresh process, and print a table row each (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=5.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # internal: FILE:LIMIT
    args = parser.parse_args()
    if args.case:
        file, limit = args.case.rsplit(":", 1)
        print(json.dumps(run_case(Path(file), int(limit))))
        return
    if not args.json:
        print("| article bytes | --max-article-bytes | seconds | peak RSS MB | stories |")
        print("|---|---|---|---|---|", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.jsonl"
        size = write_input(path, args.megabytes)
        for limit in (DEFAULT_MAX_ARTICLE_BYTES, size + 1):
            command = [sys.executable, "-m", "benchmarks.big_article_bench", "--case"]
            out = subprocess.run(
                [*command, f"{path}:{limit}"], check=True, capture_output=True, text=True
            )
            r = {"article_bytes": size, **json.loads(out.stdout.splitlines()[-1])}
            results.append(r)
            if not args.json:
                print(
                    f"| {r['article_bytes']:,} | {r['max_article_bytes']:,} | {r['seconds']} "
                    f"| {r['peak_mb']:,} | {r['stories']} |",
                    flush=True,
                )
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
