"""Benchmark samestory on the dev data: quality and speed of the default pipeline per model.

Usage: python benchmarks/bench.py [--data ../shared/data] [--models use,e5] [--out FILE]

Reads og2021-dev.jsonl from --data (never copied into the repo), clusters it end to end
(load, clean, embed with no cache, cluster) and scores the stories against the gold ids.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clustering import StoryClusterer, load_articles  # noqa: E402
from clustering.metrics import score  # noqa: E402
from embeddings import get_embedder  # noqa: E402


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> str:
    """One line describing this machine."""
    import os

    return (
        f"{_cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    )


def run_og2021(path: Path, model: str) -> dict[str, object]:
    """Cluster the OG2021 dev titles with ``model``; quality and throughput."""
    gold = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            gold[str(row["id"])] = row["story"]
    start = time.perf_counter()
    articles = load_articles([path]).articles
    loaded = time.perf_counter()
    clusterer = StoryClusterer(embedder=get_embedder(model)).fit(articles)
    done = time.perf_counter()
    scores = score(list(clusterer.labels_), [gold[i] for i in articles["id"]])
    n = len(articles)
    return {
        "model": model,
        "articles": n,
        "scores": scores,
        "load_s": loaded - start,
        "total_s": done - start,
        "per_s": n / (done - start),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    """Run the benchmark and write the results table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--models", default="use,e5")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = parser.parse_args()
    og2021 = args.data / "og2021-dev.jsonl"
    if not og2021.exists():
        sys.exit(f"benchmark data not found: {og2021} (give --data)")
    rows = []
    for model in args.models.split(","):
        result = run_og2021(og2021, model)
        s = result["scores"]
        rows.append(
            f"| {model} | {s.bcubed_precision:.3f} | {s.bcubed_recall:.3f} | {s.bcubed_f1:.3f} "
            f"| {s.pair_f1:.3f} | {s.ari:.3f} | {s.nmi:.3f} | {s.predicted_stories} "
            f"| {result['total_s']:.1f} | {result['per_s']:.0f} |"
        )
        print(rows[-1], flush=True)
    command = f"python benchmarks/bench.py --data {args.data} --models {args.models}"
    header = (
        "| model | BCubed P | BCubed R | BCubed F1 | pair F1 | ARI | NMI | stories | s | titles/s |"
    )
    report = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}.",
        f"Command: `make bench` ({command})",
        "",
        "## OG2021 dev titles, default `samestory cluster` settings, end to end, no cache",
        "",
        f"{result['articles']} titles in 9 languages; BCubed P/R/F1, pair-counting F1, ARI and",
        "NMI against the gold stories; time covers loading, cleaning, language detection,",
        "embedding and clustering.",
        "",
        header,
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    args.out.write_text("\n".join(report), encoding="utf-8")


if __name__ == "__main__":
    main()
