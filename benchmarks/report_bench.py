"""Benchmark the HTML report of 5,000 articles: file size, render and filter time in Chromium.

Run from the repository root:

    python -m benchmarks.report_bench [--data ../shared/data] [--size 5000] [--runs 5]

The first ``--size`` OG2021 dev titles (by id) are clustered with the default model and
written as a report. Render time is from navigation start to the ``samestory-ready``
performance mark, which the page sets after it has drawn the first cards, the outliers
and the map. Filter time is from typing a query into the search box (setting its value
and firing ``input``) until the next frame after the DOM update. Results go to
``benchmarks/REPORT_RESULTS.md`` (not committed; ``make bench`` puts them in RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.bench import machine
from clustering import StoryClusterer, load_articles, make_embedder, render_report
from devtools.browser import CHROMIUM, Chromium

#: The repository root: default paths are relative to it.
ROOT = Path(__file__).resolve().parent.parent

MAX_BYTES = 10_000_000
MAX_RENDER_MS = 3000
QUERIES = ("biden", "olympi", "covid vaccine", "zzzz-nothing", "")

#: The time of a performance mark since navigation start (0 while it is not set).
MARK = "(performance.getEntriesByName('%s')[0] || {startTime: 0}).startTime"

#: Types a query and resolves with the milliseconds until the frame after the DOM update.
FILTER = """(query => new Promise(done => {
  const box = document.getElementById('q');
  const start = performance.now();
  box.value = query;
  box.dispatchEvent(new Event('input'));
  const handled = performance.now() - start;
  requestAnimationFrame(() => setTimeout(() => done({
    handled, painted: performance.now() - start, shown: Number(document.body.dataset.shown)
  }), 0));
}))"""


def measure(page: Path, runs: int) -> dict[str, object]:
    """Median render time over ``runs`` fresh loads, and filter times of :data:`QUERIES`."""
    renders = []
    paints = []
    filters: dict[str, list[dict[str, float]]] = {query: [] for query in QUERIES}
    with Chromium() as browser:
        for _ in range(runs):
            browser.open(page)
            browser.wait_for("document.body.dataset.ready === '1'")
            renders.append(browser.evaluate(MARK % "samestory-ready"))
            browser.wait_for(f"{MARK % 'samestory-painted'} > 0")
            paints.append(browser.evaluate(MARK % "samestory-painted"))
            for query in QUERIES:
                filters[query].append(browser.evaluate(f"{FILTER}({json.dumps(query)})"))
            requests = list(browser.requests)
    return {
        "render_ms": statistics.median(renders),
        "painted_ms": statistics.median(paints),
        "filters": {
            query: {
                "handled_ms": statistics.median(r["handled"] for r in results),
                "painted_ms": statistics.median(r["painted"] for r in results),
                "shown": results[0]["shown"],
            }
            for query, results in filters.items()
        },
        "requests": requests,
    }


def main() -> None:
    """Cluster, write the report, measure it, write the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "REPORT_RESULTS.md")
    args = parser.parse_args()

    articles = load_articles([args.data / "og2021-dev.jsonl"]).articles
    articles = articles.sort_values("id").head(args.size).reset_index(drop=True)
    started = time.perf_counter()
    clusterer = StoryClusterer(embedder=make_embedder()).fit(articles)
    cluster_s = time.perf_counter() - started
    started = time.perf_counter()
    html = render_report(clusterer, title=f"OG2021 dev, {len(articles)} titles")
    build_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "report.html"
        page.write_text(html, encoding="utf-8")
        size = page.stat().st_size
        result = measure(page, args.runs)
    version = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout
    stories = len(clusterer.stories_)
    outliers = sum(story.outlier for story in clusterer.stories_)
    lines = [
        "# Report benchmark",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}, {version.strip()} headless.",
        "",
        f"Command: `python -m benchmarks.report_bench --data {args.data} --size {args.size} "
        f"--runs {args.runs}` (`make bench-report`).",
        "",
        f"{len(articles)} OG2021 dev titles (first by id) → {stories} stories "
        f"({stories - outliers} with several reports, {outliers} outliers); clustering took "
        f"{cluster_s:.1f} s, building the HTML {build_s:.2f} s.",
        "",
        "| measure | value | limit |",
        "|---|---|---|",
        f"| report size | {size / 1e6:.2f} MB | < {MAX_BYTES / 1e6:.0f} MB |",
        f"| render: navigation start → cards and map drawn (median of {args.runs}) | "
        f"{result['render_ms']:.0f} ms | < {MAX_RENDER_MS} ms |",
        f"| … → the first frame after that (median of {args.runs}) | "
        f"{result['painted_ms']:.0f} ms | < {MAX_RENDER_MS} ms |",
        f"| requests made by the page | {len(result['requests'])} (the file itself) | 1 |",
        "",
        "Filtering (type a query into the search box; median of the runs): time in the input "
        "handler, and until the next frame after it.",
        "",
        "| query | stories shown | handler | next frame |",
        "|---|---|---|---|",
    ]
    for query, timing in result["filters"].items():
        lines.append(
            f"| `{query or '(cleared)'}` | {timing['shown']} | {timing['handled_ms']:.1f} ms | "
            f"{timing['painted_ms']:.1f} ms |"
        )
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)
    assert size < MAX_BYTES, f"report is {size} bytes"
    assert result["painted_ms"] < MAX_RENDER_MS, f"render took {result['painted_ms']} ms"
    assert result["requests"] == [page.as_uri()], result["requests"]


if __name__ == "__main__":
    main()
