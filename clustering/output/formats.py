"""Rendering stories as a terminal table, JSON, JSONL or CSV (text out, no printing)."""

from __future__ import annotations

import csv
import io
import json
import unicodedata

import pandas as pd

from clustering.grouping.stories import Story
from clustering.reading.values import iso_or_none, json_ready

FORMATS = ("table", "json", "jsonl", "csv")
#: Columns of the one-row-per-article formats (jsonl, csv).
ARTICLE_FIELDS = ("id", "story", "outlier", "lang", "title", "published", "source", "url", "path")
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


def article_records(articles: pd.DataFrame, stories: list[Story]) -> list[dict[str, object]]:
    """One JSON-ready dict per article, in story order."""
    records = []
    for row in _ordered(articles, stories).itertuples(index=False):
        record = {name: getattr(row, name) for name in ARTICLE_FIELDS}
        record["outlier"] = bool(record["outlier"])
        record["published"] = iso_or_none(record["published"])
        records.append(json_ready(record))
    return records


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
        langs = ",".join(story.languages) or "-"
        lines.append(
            f"{story.id:<{wide}} {story.size:>4}  {'yes' if story.outlier else '':<7}  {langs:<12} "
            f"{_fit(story.title, _TITLE_WIDTH)} {', '.join(story.members)}"
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
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    if fmt == "jsonl":
        return "".join(
            json.dumps(r, ensure_ascii=False) + "\n" for r in article_records(articles, stories)
        )
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=ARTICLE_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(article_records(articles, stories))
        return buffer.getvalue()
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
