"""The newsroom-input section of ``make bench``: copies, floods, a huge article, pages, dates.

Each benchmark runs in a process of its own (benchmarks/copies_bench.py, flood_bench.py,
big_article_bench.py, extraction_bench.py, dates_bench.py); this module turns their
results into the section's Markdown.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.options import ROOT, run_json


def newsroom_lines(data: Path) -> list[str]:
    """Syndicated copies, one huge article, web page extraction and date parsing."""
    runs = [
        ("copies", run_json("copies_bench", "--data", str(data))),
        ("near copies", run_json("copies_bench", "--data", str(data), "--near", "--embed-near")),
    ]
    floods: list[Any] = [
        run_json("flood_bench", "--data", str(data), "--entries", str(count))
        for count in (10_000, 100_000)
    ]
    big = run_json("big_article_bench")
    pages = run_json("extraction_bench")
    assert isinstance(big, list) and isinstance(pages, dict)
    dates = subprocess.run(
        [sys.executable, "-m", "benchmarks.dates_bench"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.splitlines()
    print(json.dumps({"copies": runs, "floods": floods, "big": big, "pages": pages}), flush=True)

    def copies_row(name: str, r: Any) -> str:
        return (
            f"| {r['copies']:,} {name} | {r['others']:,} | {r['seconds']} | {r['cpu_seconds']} "
            f"| {r['peak_rss_mb']:,} | {r['copy_stories']} (largest {r['largest_copy_story']:,}) "
            f"| {r['stories']:,} |"
        )

    def page_row(name: str, r: Any) -> str:
        exact = r["exact"]
        return (
            f"| {name} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} "
            f"| {exact['title']} / {exact['published']} / {exact['url']} of {r['pages']} "
            f"| {r['ms_per_page']} |"
        )

    return [
        "## Newsroom input: copies, a huge article, web pages, dates",
        "",
        "Syndicated copies (`benchmarks/copies_bench.py`): copies of one headline over twelve",
        "hours of one day among the OG2021 dev titles repeated every 46 days (vectors given:",
        "the clustering alone is timed; each run is a process of its own). Near copies are all",
        "different texts (a source suffix, a number put in) embedded one by one.",
        "",
        "| copies | others | seconds | CPU seconds | peak RSS MB | copies' stories | stories |",
        "|---|---|---|---|---|---|---|",
        *(copies_row(name, r) for name, r in runs),
        "",
        'A flood (`benchmarks/flood_bench.py`): "Entry i about the Geneva talks" over twelve',
        "hours of one day among 20,000 OG2021 dev titles; every entry embedded (not cached),",
        "the clustering timed with the vectors given; peak RSS of the whole process.",
        "",
        "| entries | embed s | cluster s | CPU s | peak RSS MB | entries' stories |",
        "|---|---|---|---|---|---|",
        *(
            f"| {r['entries']:,} | {r['embed_seconds']} | {r['seconds']} | {r['cpu_seconds']} "
            f"| {r['peak_rss_mb']:,} | {r['entry_stories']} "
            f"(largest {r['largest_entry_story']:,}) |"
            for r in floods
        ),
        "",
        "One huge article (`benchmarks/big_article_bench.py`): the seeds' texts repeated to",
        "5 MB, clustered with the five seeds end to end (no vector cache, a fresh process",
        "each), with the default `--max-article-bytes` and with the limit raised above it.",
        "",
        "| article bytes | --max-article-bytes | seconds | peak RSS MB | stories |",
        "|---|---|---|---|---|",
        *(
            f"| {r['article_bytes']:,} | {r['max_article_bytes']:,} | {r['seconds']} "
            f"| {r['peak_mb']:,} | {r['stories']} |"
            for r in big
        ),
        "",
        "Web page extraction (`benchmarks/extraction_bench.py`): the body of each test page",
        "of `tests/data/pages/` against the text written for it (word tokens, pooled), and",
        "the pages whose headline, date and canonical URL are exactly right. The pages and",
        "the extractor's pruning rules were written together, so this flatters the extractor.",
        "",
        "| extractor | body precision | recall | F1 | headline / date / URL | ms per page |",
        "|---|---|---|---|---|---|",
        *(page_row(name, r) for name, r in pages.items()),
        "",
        "Dates (`benchmarks/dates_bench.py`), ms per field value:",
        "",
        *dates,
        "",
    ]
