"""Benchmark clustering time and peak memory against n on the candidate-graph path.

Run from the repository root:

    python -m benchmarks.scale_bench [--data ../shared/data]
        [--sizes 1000 3000 10000 30000 100000] [--undated] [--json]

Synthetic data: an archive made of copies of the OG2021 dev set laid end to end in time.
Copy r of an article is published r × 46 days later than the original, belongs to story
"<story>/r", and has the original's USE vector plus Gaussian noise (sigma 0.01 per
dimension, renormalised) and the original's title. (A suffix " (r)" on every title of a
copy, as this benchmark once had, is a token all of them share: since the lexical IDF
comes from a shipped background, not the batch, it would count as rare shared evidence
and merge stories, which real archives give no cause for.) So the news per day, the
story sizes and the languages stay those of the real data, and n articles cover about
n / 123 days. The first n articles by time are clustered with precomputed vectors (no
embedding), each size in a process of its own, on the one clustering path (the
candidate graph; results name it "graph"). Peak RSS is the process's during the fit (the
peak is reset after the synthetic data is built); "added" is that peak minus the resident
memory before the fit (data, vectors, libraries). ``--undated`` drops the dates first.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.options import data_json, run_json
from clustering import load_articles
from clustering.evaluation.metrics import score
from clustering.grouping.clusterer import StoryClusterer
from embeddings import CachedEmbedder, get_embedder
from embeddings.articles import embed_articles

#: The repository root: default paths are relative to it.
ROOT = Path(__file__).resolve().parent.parent

#: Days between copies of the dev set (it spans 45 days).
SHIFT_DAYS = 46

#: The name of the one clustering path in the results.
PATH = "graph"


def synthetic(data: Path, size: int) -> tuple[pd.DataFrame, np.ndarray]:
    """The first ``size`` articles (by time) of the synthetic archive, and their vectors."""
    articles = load_articles([data / "og2021-dev.jsonl"]).articles
    vectors = embed_articles(articles, CachedEmbedder(get_embedder("use")))
    by_time = np.argsort(pd.to_datetime(articles["published"]).to_numpy(), kind="stable")
    articles, vectors = articles.iloc[by_time].reset_index(drop=True), vectors[by_time]
    copies = -(-size // len(articles))
    rng = np.random.default_rng(0)
    tables, blocks = [], []
    for r in range(copies):
        table = articles.copy()
        table["id"] = [f"{i}/{r}" for i in table["id"]]
        table["story"] = [f"{s}/{r}" for s in table["story"]]
        table["published"] = table["published"] + pd.Timedelta(days=SHIFT_DAYS * r)
        noisy = vectors + rng.normal(0, 0.01, vectors.shape).astype(np.float32)
        tables.append(table)
        blocks.append(noisy / np.linalg.norm(noisy, axis=1, keepdims=True))
    table = pd.concat(tables, ignore_index=True).iloc[:size]
    return table, np.concatenate(blocks)[:size]


def run_one(data: Path, size: int, undated: bool = False) -> dict[str, float | str]:
    """Cluster ``size`` synthetic articles; time, peak RSS and BCubed F1."""
    table, vectors = synthetic(data, size)
    if undated:
        table["published"] = None
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    before = _status_mb("VmRSS")
    clusterer = StoryClusterer(embedder="use")
    start = time.perf_counter()
    clusterer.fit(table, embeddings=vectors)
    seconds = time.perf_counter() - start
    peak = _status_mb("VmHWM")
    return {
        "size": size,
        "path": PATH,
        "seconds": seconds,
        "peak_mb": peak,
        "setup_mb": before,
        "added_mb": peak - before,
        "bcubed_f1": score(clusterer.labels_, table["story"]).bcubed_f1,
        "stories": len(clusterer.stories_),
    }


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def slope(rows: list[dict[str, float | str]], key: str) -> float:
    """The log-log slope of ``key`` against size (least squares)."""
    x = np.log([r["size"] for r in rows])
    y = np.log([r[key] for r in rows])
    return float(np.polyfit(x, y, 1)[0])


def run_scale_bench(
    data: Path, sizes: list[int], undated: bool = False
) -> list[dict[str, float | str]]:
    """Each size in a fresh process."""
    results: list[dict[str, float | str]] = []
    for size in sizes:
        command = [sys.executable, "-m", "benchmarks.scale_bench", "--data", str(data)]
        command += ["--one", str(size)]
        command += ["--undated"] if undated else []
        out = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
        if out.returncode != 0:
            results.append({"size": size, "path": PATH, "error": out.stderr.strip()[-300:]})
            continue
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def scale_lines(data: Path) -> list[str]:
    """Time and peak memory against n, with the log-log slopes."""
    results = run_json("scale_bench", "--data", str(data))
    assert isinstance(results, list)
    print(json.dumps(results), flush=True)
    runs = [r for r in results if "error" not in r]
    rows = [
        f"| {r['size']:,} | {r['seconds']:.1f} | {r['peak_mb']:,.0f} | {r['added_mb']:,.0f} "
        f"| {r['bcubed_f1']:.3f} | {r['stories']:,} |"
        for r in runs
    ]
    slopes = []
    big = [r for r in runs if r["size"] >= 3000]
    if len(runs) >= 2 and len(big) >= 2:
        slopes.append(
            f"| {runs[0]['size']:,}–{runs[-1]['size']:,} "
            f"| {slope(runs, 'seconds'):.2f} | {slope(big, 'added_mb'):.2f} |"
        )
    errors = [f"- n = {r['size']:,}: {r['error']}" for r in results if "error" in r]
    return [
        "## Scale: time and peak memory against n (precomputed vectors)",
        "",
        "`benchmarks/scale_bench.py`: a synthetic archive of OG2021 dev copies laid end to end",
        "in time (copy r is 46 days later, with its own story ids, USE vectors plus noise of",
        "0.01 per dimension); the first n articles by time, so the news per day stays the real",
        "one. Each run is a fresh process. Peak RSS is the process's during the fit; added is",
        "that peak minus the resident memory before the fit. Every size takes the one",
        "clustering path, the candidate graph; the exact n×n computation was removed from the",
        "library and is only a test oracle.",
        "",
        "| n | seconds | peak RSS MB | added MB | BCubed F1 | stories |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        "Log-log slopes (least squares; memory over n ≥ 3,000, where the fit's own memory",
        "dominates the allocator's noise):",
        "",
        "| n | time slope | added-memory slope |",
        "|---|---|---|",
        *slopes,
        "",
        *errors,
    ]


def main() -> None:
    """Run the benchmark and print a table (or JSON)."""
    parser = data_json(__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1000, 3000, 10_000, 30_000, 100_000]
    )
    parser.add_argument("--one", type=int, metavar="SIZE", help=argparse.SUPPRESS)
    parser.add_argument("--undated", action="store_true", help="Drop the dates first.")
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.data, args.one, args.undated)))
        return
    results = run_scale_bench(args.data, args.sizes, args.undated)
    if args.json:
        print(json.dumps(results))
        return
    for r in results:
        print(r)
    runs = [r for r in results if "error" not in r]
    big = [r for r in runs if float(r["size"]) >= 3000]  # memory: past the allocator's noise
    if len(runs) >= 2:
        print(f"log-log time slope: {slope(runs, 'seconds'):.2f}")
    if len(big) >= 2:
        print(f"log-log added-memory slope (n ≥ 3,000): {slope(big, 'added_mb'):.2f}")


if __name__ == "__main__":
    main()
