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
from collections.abc import Sequence

import numpy as np
import pandas as pd

from clustering.grouping.result import HasStories, result_of
from clustering.grouping.stories import Story, confidence_by_id
from clustering.output.spreadsheet import csv_text
from clustering.output.terminal import printable
from clustering.reading.articles import ARTICLE_COLUMNS
from clustering.reading.values import json_ready, plain, utc_iso_or_none

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
#: Columns of a story store's ``export`` (one row per stored article, in the order stored),
#: before the passed-through ones.
EXPORT_FIELDS = ("id", "story", "outlier", "confidence", "first_seen", "published", "lang", "title")
_TIMES = ("published", "first_seen")
#: Decimals of the confidence in jsonl, csv and json.
CONFIDENCE_DECIMALS = 4
_TITLE_WIDTH = 60
#: The widest languages cell of the table (nine languages), and of its members cell.
_LANGUAGES_WIDTH = 26
_MEMBERS_WIDTH = 80


def _char_width(char: str) -> int:
    """Terminal columns of one character: wide East Asian two, marks none, others one."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _width(text: str) -> int:
    """Terminal columns ``text`` takes: wide East Asian characters count two, marks none."""
    return len(text) if text.isascii() else sum(map(_char_width, text))


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns with an ellipsis, then padded to exactly ``width``."""
    used = _width(text)
    if used > width:
        used, kept = 0, 0
        while used + _char_width(text[kept]) <= width - 1:
            used += _char_width(text[kept])
            kept += 1
        text, used = text[:kept] + "…", used + 1
    return text + " " * (width - used)


def _ordered(articles: pd.DataFrame, stories: list[Story]) -> pd.DataFrame:
    """Articles in story order, then by id: the same output for any input order."""
    rank = {story.id: number for number, story in enumerate(stories)}
    order = np.lexsort((articles["id"].to_numpy(dtype=str), articles["story"].map(rank)))
    return articles.iloc[order]


def passed_through(articles: pd.DataFrame, fields: Sequence[str] = ARTICLE_FIELDS) -> list[str]:
    """The columns of ``articles`` that samestory does not use: they pass to jsonl and csv.

    ``fields`` are the output's own columns: an input column of one of their names gives way.
    """
    own = {*ARTICLE_COLUMNS, *fields, "story_size"}
    return [str(name) for name in articles.columns if name not in own]


def article_records(
    articles: pd.DataFrame,
    stories: list[Story],
    fields: Sequence[str] = ARTICLE_FIELDS,
    in_story_order: bool = True,
) -> list[dict[str, object]]:
    """One JSON-ready dict per article, in story order (or in the order of ``articles``).

    Each has ``fields`` (:data:`ARTICLE_FIELDS`), then the passed-through columns.
    """
    confidence = confidence_by_id(stories)
    extra = passed_through(articles, fields)
    records = []
    rows = _ordered(articles, stories) if in_story_order else articles
    for row in rows.to_dict("records"):
        record = {name: row.get(name) for name in fields}
        record["outlier"] = bool(record["outlier"])
        for name in _TIMES:
            if name in record:
                record[name] = utc_iso_or_none(record[name])
        known = confidence.get(str(record["id"]))
        record["confidence"] = None if known is None else round(known, CONFIDENCE_DECIMALS)
        record.update((name, row[name]) for name in extra)
        records.append(json_ready(record))
    return records


def _json(record: object, indent: int | None = None) -> str:
    return json.dumps(record, ensure_ascii=False, indent=indent, default=plain)


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
            "first_published": utc_iso_or_none(story.first_published),
            "last_published": utc_iso_or_none(story.last_published),
            "members": by_story[story.id],
        }
        for story in stories
    ]


def _members(members: Sequence[str], width: int = _MEMBERS_WIDTH) -> str:
    """Member ids joined while they fit in ``width`` columns, then how many more there are."""
    ids = [printable(member) for member in members]
    used, shown = -2, 0  # no ", " before the first id
    for ident in ids:
        rest = len(f" (+{len(ids) - shown - 1} more)") if shown < len(ids) - 1 else 0
        if used + 2 + _width(ident) + rest > width:
            break
        used, shown = used + 2 + _width(ident), shown + 1
    if shown == len(ids):
        return ", ".join(ids)
    more = f" (+{len(ids) - max(shown, 1)} more)"
    kept = ", ".join(ids[:shown]) if shown else _fit(ids[0], width - len(more)).rstrip()
    return kept + more


def render_table(articles: pd.DataFrame, stories: list[Story]) -> str:
    """A table an editor can read: one line per story, outliers marked.

    The languages column is as wide as its widest cell (up to :data:`_LANGUAGES_WIDTH`
    columns, longer ones cut), and members are cut to :data:`_MEMBERS_WIDTH` columns with a
    count of the rest, so every row's columns line up.
    """
    title = _fit("title", _TITLE_WIDTH)
    wide = max([6, *(len(story.id) + 1 for story in stories)])
    langs = [printable(",".join(story.languages)) or "-" for story in stories]
    lang_width = min(_LANGUAGES_WIDTH, max([len("languages") + 3, *map(_width, langs)]))
    header = (
        f"{'story':<{wide}} {'size':>4}  {'outlier':<7}  {_fit('languages', lang_width)} "
        f"{title} members"
    )
    lines = [header, "-" * _width(header)]
    for story, lang in zip(stories, langs, strict=True):
        lines.append(
            f"{printable(story.id):<{wide}} {story.size:>4}  {'yes' if story.outlier else '':<7}  "
            f"{_fit(lang, lang_width)} {_fit(printable(story.title), _TITLE_WIDTH)} "
            f"{_members(story.members)}"
        )
    real = len(stories) - sum(story.outlier for story in stories)
    lines.append(
        f"{len(articles)} articles, {len(stories)} stories "
        f"({real} with several reports, {len(stories) - real} outliers)"
    )
    return "\n".join(lines) + "\n"


def render(source: HasStories, fmt: str) -> str:
    """The stories of ``source`` (a result, a fitted clusterer, a store) in ``fmt``.

    ``fmt`` is one of :data:`FORMATS`.
    """
    result = result_of(source)
    articles, stories = result.articles, result.stories
    if fmt == "table":
        return render_table(articles, stories)
    if fmt == "json":
        payload = {"articles": len(articles), "stories": story_records(articles, stories)}
        return _json(payload, indent=2) + "\n"
    if fmt in ("jsonl", "csv"):
        return render_rows(articles, stories, fmt)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def render_rows(
    articles: pd.DataFrame,
    stories: list[Story],
    fmt: str,
    fields: Sequence[str] = ARTICLE_FIELDS,
    in_story_order: bool = True,
) -> str:
    """One row per article in ``fmt`` (jsonl or csv): ``fields``, then passed-through columns."""
    records = article_records(articles, stories, fields, in_story_order)
    if fmt == "jsonl":
        return "".join(_json(record) + "\n" for record in records)
    if fmt != "csv":
        raise ValueError(f"rows are written as jsonl or csv, not {fmt!r}")
    columns = [*fields, *passed_through(articles, fields)]
    return csv_text(columns, ([record[name] for name in columns] for record in records))


def render_export(source: HasStories, fmt: str) -> str:
    """A story store's articles as ``export`` writes them (jsonl or csv), in the order stored.

    Each row has :data:`EXPORT_FIELDS`, then the input's own columns passed through as
    :func:`render` passes them for ``cluster``.
    """
    result = result_of(source)
    return render_rows(result.articles, result.stories, fmt, EXPORT_FIELDS, in_story_order=False)
