"""Rendering stories as a terminal table, JSON, JSONL or CSV (text out, no printing).

The one-row-per-article formats (jsonl, csv) carry :data:`ARTICLE_FIELDS`, then every
column of the input that samestory does not use itself, in the order first seen. An
input column named like one of :data:`ARTICLE_FIELDS` (``story``, say) gives way to
samestory's own. CSV cells are safe to open in a spreadsheet
(:mod:`clustering.output.spreadsheet`) and the table escapes control characters
(:mod:`clustering.output.terminal`).
"""

from __future__ import annotations

import json
import unicodedata

import numpy as np
import pandas as pd

from clustering.grouping.stories import Story, confidence_by_id
from clustering.output.spreadsheet import csv_text
from clustering.output.terminal import printable
from clustering.reading.articles import ARTICLE_COLUMNS
from clustering.reading.values import iso_or_none, json_ready

FORMATS = ("table", "json", "jsonl", "csv")
#: Columns of the one-row-per-article formats (jsonl, csv), before the passed-through ones.
#: ``confidence`` is the article's P(same story) with its story's representative
#: (see :attr:`Story.confidence <clustering.grouping.stories.Story.confidence>`).
ARTICLE_FIELDS = (
    "id",
    "story",
    "outlier",
    "confidence",
    "lang",
    "title",
    "published",
    "source",
    "url",
    "path",
)
#: Decimals of the confidence in jsonl, csv and json.
CONFIDENCE_DECIMALS = 4
_TITLE_WIDTH = 60


def _width(text: str) -> int:
    """Terminal columns ``text`` takes: wide East Asian characters count two, marks none."""
    total = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        total += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return total


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns with an ellipsis, then padded to exactly ``width``."""
    if _width(text) > width:
        out = ""
        for char in text:
            if _width(out + char) > width - 1:
                break
            out += char
        text = out + "…"
    return text + " " * (width - _width(text))


def _ordered(articles: pd.DataFrame, stories: list[Story]) -> pd.DataFrame:
    """Articles in story order, then by id: the same output for any input order."""
    rank = {story.id: number for number, story in enumerate(stories)}
    keyed = articles.assign(_rank=articles["story"].map(rank))
    return keyed.sort_values(["_rank", "id"], kind="stable").drop(columns="_rank")


def passed_through(articles: pd.DataFrame) -> list[str]:
    """The columns of ``articles`` that samestory does not use: they pass to jsonl and csv."""
    own = {*ARTICLE_COLUMNS, *ARTICLE_FIELDS, "story_size"}
    return [str(name) for name in articles.columns if name not in own]


def _plain(value: object) -> object:
    """A value JSON can hold: timestamps as ISO 8601, numpy values as Python ones."""
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    return str(value)


def article_records(articles: pd.DataFrame, stories: list[Story]) -> list[dict[str, object]]:
    """One JSON-ready dict per article, in story order.

    Each has :data:`ARTICLE_FIELDS`, then the passed-through columns.
    """
    confidence = confidence_by_id(stories)
    extra = passed_through(articles)
    records = []
    for row in _ordered(articles, stories).to_dict("records"):
        record = {name: row.get(name) for name in ARTICLE_FIELDS}
        record["outlier"] = bool(record["outlier"])
        record["published"] = iso_or_none(record["published"])
        known = confidence.get(str(record["id"]))
        record["confidence"] = None if known is None else round(known, CONFIDENCE_DECIMALS)
        record.update((name, row[name]) for name in extra)
        records.append(json_ready(record))
    return records


def _json(record: object, indent: int | None = None) -> str:
    return json.dumps(record, ensure_ascii=False, indent=indent, default=_plain)


def story_records(articles: pd.DataFrame, stories: list[Story]) -> list[dict[str, object]]:
    """One JSON-ready dict per story, with its member articles."""
    by_story: dict[str, list[dict[str, object]]] = {}
    for record in article_records(articles, stories):
        member = {k: v for k, v in record.items() if k not in ("story", "outlier")}
        by_story.setdefault(str(record["story"]), []).append(member)
    return [
        {
            "story": story.id,
            "size": story.size,
            "outlier": story.outlier,
            "languages": list(story.languages),
            "title": story.title,
            "representative": story.representative,
            "first_published": iso_or_none(story.first_published),
            "last_published": iso_or_none(story.last_published),
            "members": by_story[story.id],
        }
        for story in stories
    ]


def render_table(articles: pd.DataFrame, stories: list[Story]) -> str:
    """A table an editor can read: one line per story, outliers marked."""
    title = _fit("title", _TITLE_WIDTH)
    wide = max([6, *(len(story.id) + 1 for story in stories)])
    header = f"{'story':<{wide}} {'size':>4}  {'outlier':<7}  {'languages':<12} {title} members"
    lines = [header, "-" * _width(header)]
    for story in stories:
        langs = printable(",".join(story.languages)) or "-"
        lines.append(
            f"{printable(story.id):<{wide}} {story.size:>4}  {'yes' if story.outlier else '':<7}  "
            f"{langs:<12} {_fit(printable(story.title), _TITLE_WIDTH)} "
            f"{printable(', '.join(story.members))}"
        )
    real = len(stories) - sum(story.outlier for story in stories)
    lines.append(
        f"{len(articles)} articles, {len(stories)} stories "
        f"({real} with several reports, {len(stories) - real} outliers)"
    )
    return "\n".join(lines) + "\n"


def render(articles: pd.DataFrame, stories: list[Story], fmt: str) -> str:
    """The stories in ``fmt``: one of :data:`FORMATS`."""
    if fmt == "table":
        return render_table(articles, stories)
    if fmt == "json":
        payload = {"articles": len(articles), "stories": story_records(articles, stories)}
        return _json(payload, indent=2) + "\n"
    records = article_records(articles, stories)
    if fmt == "jsonl":
        return "".join(_json(record) + "\n" for record in records)
    if fmt == "csv":
        columns = [*ARTICLE_FIELDS, *passed_through(articles)]
        return csv_text(columns, ([record[name] for name in columns] for record in records))
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
