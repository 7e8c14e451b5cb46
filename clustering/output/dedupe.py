"""A deduplicated feed: one row per story, the article to keep and its other versions.

The article kept is the earliest (by publication, then first seen, then id) or the story's
representative; every other member is a version, listed with its id, source and language,
earliest first. Rows come in story order, so the same stories give the same bytes
whatever the order of the input. JSONL holds the versions as lists; CSV as JSON arrays in
one cell each (exact, whatever an id contains); the table one line per story.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pandas as pd

from clustering.grouping.stories import Story
from clustering.output.spreadsheet import csv_text
from clustering.output.terminal import printable
from clustering.reading.values import iso_or_none, json_ready, plain, text_or_none

KEEP = ("earliest", "representative")
DEDUPE_FORMATS = ("jsonl", "csv", "table")
DEDUPE_FIELDS = (
    "story",
    "id",
    "title",
    "published",
    "lang",
    "source",
    "url",
    "versions",
    "version_ids",
    "version_sources",
    "version_languages",
)
_LISTS = ("version_ids", "version_sources", "version_languages")


def _time_order(articles: pd.DataFrame, indices: np.ndarray) -> list[int]:
    """``indices`` earliest first: published, else first seen, undated last; ties by id."""
    when = pd.to_datetime(articles["published"]).astype("datetime64[ns]")
    if "first_seen" in articles:
        when = when.fillna(pd.to_datetime(articles["first_seen"]).astype("datetime64[ns]"))
    stamps = when.iloc[indices]
    undated = stamps.isna().to_numpy()
    values = stamps.fillna(pd.Timestamp(0)).to_numpy(dtype="datetime64[ns]").astype(np.int64)
    ids = articles["id"].iloc[indices].astype(str).to_numpy()
    return [int(indices[i]) for i in np.lexsort((ids, values, undated))]


def deduplicate(
    articles: pd.DataFrame, stories: Sequence[Story], keep: str = "earliest"
) -> list[dict[str, object]]:
    """One JSON-ready row per story in ``stories`` order (fields: :data:`DEDUPE_FIELDS`)."""
    if keep not in KEEP:
        raise ValueError(f"keep one of {', '.join(KEEP)}, not {keep!r}")
    position = {str(ident): row for row, ident in enumerate(articles["id"])}
    rows = []
    for story in stories:
        members = np.array([position[m] for m in story.members], dtype=np.int64)
        ordered = _time_order(articles, members)
        kept = ordered[0] if keep == "earliest" else position[story.representative]
        others = [row for row in ordered if row != kept]
        record = articles.iloc[kept]
        rows.append(
            json_ready(
                {
                    "story": story.id,
                    "id": str(record["id"]),
                    "title": str(record["title"]),
                    "published": iso_or_none(record["published"]),
                    "lang": text_or_none(record.get("lang")),
                    "source": text_or_none(record.get("source")),
                    "url": text_or_none(record.get("url")),
                    "versions": len(others),
                    "version_ids": [str(articles["id"].iloc[r]) for r in others],
                    "version_sources": [_cell(articles, "source", r) for r in others],
                    "version_languages": [_cell(articles, "lang", r) for r in others],
                }
            )
        )
    return rows


def _cell(articles: pd.DataFrame, column: str, row: int) -> str | None:
    return text_or_none(articles[column].iloc[row]) if column in articles else None


def render_dedupe(rows: list[dict[str, object]], fmt: str) -> str:
    """The rows of :func:`deduplicate` in ``fmt`` (one of :data:`DEDUPE_FORMATS`)."""
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False, default=plain) + "\n" for r in rows)
    if fmt == "csv":
        cells = (
            [json.dumps(r[n], ensure_ascii=False) if n in _LISTS else r[n] for n in DEDUPE_FIELDS]
            for r in rows
        )
        return csv_text(list(DEDUPE_FIELDS), cells)
    if fmt == "table":
        return _table(rows)
    raise ValueError(f"dedupe writes {', '.join(DEDUPE_FORMATS)}, not {fmt!r}")


def _table(rows: list[dict[str, object]]) -> str:
    lines = ["story\tkeep\tlang\tversions\tother languages\ttitle"]
    for r in rows:
        languages = ",".join(sorted({str(x) for x in r["version_languages"] or [] if x}))  # type: ignore[attr-defined]
        fields = (
            r["story"],
            r["id"],
            r["lang"] or "-",
            r["versions"],
            languages or "-",
            r["title"],
        )
        lines.append("\t".join(printable(str(f)) for f in fields))
    kept = len(rows)
    versions = sum(int(str(r["versions"])) for r in rows)
    lines.append(f"{kept} stories kept, {versions} other versions")
    return "\n".join(lines) + "\n"
