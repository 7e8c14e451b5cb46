"""Extraction from web pages: the article body against the text written for each test page.

Run from the repository root:

    python -m benchmarks.extraction_bench [--pages tests/data/pages] [--json]

Every ``NAME.html`` in the pages folder has its body as written in ``NAME.txt`` and its
headline, date and canonical URL in ``pages.json``. Each page is read twice into an article
row (the same cleaning after extraction): by trafilatura (``webpage.read_page``, what
samestory does) and by the plain HTML-to-text parser it replaced (``markup.html_to_page``).
A third reading, ``plain``, is trafilatura with its defaults and its own metadata (no
JSON-LD first, no extra boilerplate marks), to show what samestory's settings add. Body
precision and recall count word tokens (lower-cased runs of word characters, as a
multiset) of the row's text against the written text, per page and pooled over all pages;
the metadata columns count pages whose headline, date and URL are exactly right.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import trafilatura

from clustering.reading.articles import RawArticle, prepare
from clustering.reading.markup import Page, html_to_page
from clustering.reading.records import read_text
from clustering.reading.webpage import read_page

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "data" / "pages"
_TOKEN = re.compile(r"\w+")


def plain_trafilatura(markup: str) -> Page:
    """The defaults of trafilatura, comments left out: its text and its own metadata."""
    doc = trafilatura.bare_extraction(markup, with_metadata=True, include_comments=False)
    if doc is None or isinstance(doc, dict):
        return Page(text="")
    return Page(doc.text or "", doc.title or "", None, doc.date, doc.url, doc.sitename)


EXTRACTORS: dict[str, Callable[[str], Page]] = {
    "trafilatura": read_page,
    "plain": plain_trafilatura,
    "markup": html_to_page,
}


def tokens(text: str) -> Counter[str]:
    """The multiset of lower-cased word tokens of ``text``."""
    return Counter(_TOKEN.findall(text.lower()))


def row_for(path: Path, extract: Callable[[str], Page]) -> dict[str, object]:
    """The article row one extractor gives for the page at ``path``."""
    page = extract(read_text(path))
    raw = RawArticle(path=str(path), id=path.name, title=page.title, text=page.text)
    raw.published, raw.lang, raw.url, raw.source = page.published, page.lang, page.url, page.source
    return prepare(raw)


def score(pages: Path, extract: Callable[[str], Page]) -> dict[str, Any]:
    """Per-page and pooled body precision/recall, and exact metadata counts, for one extractor."""
    expected = json.loads((pages / "pages.json").read_text(encoding="utf-8"))
    per_page: dict[str, dict[str, float]] = {}
    pooled = Counter({"overlap": 0, "extracted": 0, "written": 0})
    exact = Counter({"title": 0, "published": 0, "url": 0})
    start = time.perf_counter()
    for name, meta in sorted(expected.items()):
        row = row_for(pages / name, extract)
        got = tokens(str(row["text"]))
        want = tokens((pages / name).with_suffix(".txt").read_text(encoding="utf-8"))
        overlap = sum((got & want).values())
        counts = {"overlap": overlap, "extracted": got.total(), "written": want.total()}
        pooled.update(counts)
        per_page[name] = _ratios(counts)
        exact["title"] += row["title"] == meta["title"]
        exact["published"] += _same_time(row["published"], meta["published"])
        exact["url"] += row["url"] == meta["url"]
    seconds = time.perf_counter() - start
    return {
        "pages": len(expected),
        **_ratios(pooled),
        "exact": dict(exact),
        "ms_per_page": round(1000 * seconds / max(len(expected), 1), 1),
        "per_page": per_page,
    }


def _same_time(value: object, wanted: str) -> bool:
    return value is not None and not pd.isna(value) and pd.Timestamp(value) == pd.Timestamp(wanted)


def _ratios(counts: Counter[str] | dict[str, int]) -> dict[str, float]:
    precision = counts["overlap"] / max(counts["extracted"], 1)
    recall = counts["overlap"] / max(counts["written"], 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def main() -> None:
    """Score both extractors on the test pages and print a table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, default=PAGES)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    results = {name: score(args.pages, extract) for name, extract in EXTRACTORS.items()}
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return
    print("extractor    pages  precision  recall    F1  title  date  url  ms/page")
    for name, result in results.items():
        exact = result["exact"]
        print(
            f"{name:12} {result['pages']:5}  {result['precision']:9.3f}  {result['recall']:6.3f}"
            f"  {result['f1']:.3f}  {exact['title']:5}  {exact['published']:4}  {exact['url']:3}"
            f"  {result['ms_per_page']:7}"
        )
    print("\nper page (precision / recall):")
    for page in results["trafilatura"]["per_page"]:
        cells = "   ".join(
            f"{name} {result['per_page'][page]['precision']:.3f} / "
            f"{result['per_page'][page]['recall']:.3f}"
            for name, result in results.items()
        )
        print(f"  {page:24} {cells}")


if __name__ == "__main__":
    main()
