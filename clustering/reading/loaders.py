"""Reading articles from files and directories into the uniform article table.

Directories give their ``.txt``, ``.md`` and ``.html`` files (recursively, hidden ones
skipped), each an article whose id is its file name. JSONL, CSV/TSV and Parquet files give
one article per row. Every problem is an :class:`InputError` naming the file and the line;
with ``skip_bad`` the bad inputs are collected instead, so that every input is either in the
table or in ``skipped``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from clustering.errors import InputError
from clustering.reading.articles import RawArticle, prepare, to_frame
from clustering.reading.feeds import is_feed_source, read_feed
from clustering.reading.fetch import Fetcher
from clustering.reading.markup import looks_like_html, looks_like_markdown, markdown_to_text
from clustering.reading.records import TABLE_SUFFIXES, read_records, read_text
from clustering.reading.webpage import read_page

DOCUMENT_SUFFIXES = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}
FIELD_ALIASES = {
    "id": ("id", "_id", "article_id", "guid", "uuid"),
    "title": ("title", "headline"),
    "text": ("text", "body", "content", "description", "summary"),
    "published": ("published", "date", "published_at", "pubdate", "datetime", "time"),
    "lang": ("lang", "language"),
    "source": ("source", "outlet", "site", "publisher", "feed"),
    "url": ("url", "link"),
}
_ALIASES = {alias for aliases in FIELD_ALIASES.values() for alias in aliases}


@dataclass
class LoadResult:
    """The article table and, with ``skip_bad``, the inputs that were skipped."""

    articles: pd.DataFrame
    skipped: list[InputError] = field(default_factory=list)


def read_document(path: Path) -> RawArticle:
    """One article from a text, Markdown or HTML file; its id is the file name."""
    content = read_text(path)
    kind = DOCUMENT_SUFFIXES.get(path.suffix.lower(), "text")
    raw = RawArticle(path=str(path), id=path.name)
    if not content.strip():
        raise InputError(str(path), "no readable article (empty file)")
    if kind == "html" or (kind == "text" and looks_like_html(content)):
        page = read_page(content)
        raw.title, raw.text, raw.published = page.title, page.text, page.published
        raw.lang, raw.url, raw.source = page.lang, page.url, page.source
    elif kind == "markdown" or looks_like_markdown(content):
        raw.title, raw.text = markdown_to_text(content)
    else:
        raw.text = content
    return raw


def _pick(row: Mapping[str, object], name: str) -> object:
    for key in FIELD_ALIASES[name]:
        value = row.get(key)
        if value is not None and not (isinstance(value, float) and pd.isna(value)) and value != "":
            return value
    return None


def record_to_raw(row: Mapping[str, object], path: str, line: int) -> RawArticle:
    """A table row (JSON object, CSV row, DataFrame row) as a raw article."""
    lowered = {str(key).strip().lower(): value for key, value in row.items()}
    ident = _pick(lowered, "id")
    return RawArticle(
        path=path,
        line=line,
        id=str(ident).strip() if ident is not None else f"{Path(path).name}:{line}",
        title=str(_pick(lowered, "title") or ""),
        text=str(_pick(lowered, "text") or ""),
        published=_pick(lowered, "published"),
        lang=_optional_str(_pick(lowered, "lang")),
        source=_optional_str(_pick(lowered, "source")),
        url=_optional_str(_pick(lowered, "url")),
        extra={str(k).strip(): v for k, v in row.items() if str(k).strip().lower() not in _ALIASES},
    )


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def records_to_raw(records: Iterable[Mapping[str, object]], path: str) -> Iterator[RawArticle]:
    """Raw articles from records (e.g. a DataFrame's rows); ``line`` is the 1-based row number."""
    for number, row in enumerate(records, start=1):
        yield record_to_raw(row, path, number)


def _file_items(path: Path) -> Iterator[RawArticle | InputError]:
    if path.suffix.lower() not in TABLE_SUFFIXES:
        yield read_document(path)
        return
    count = 0
    for item in read_records(path):
        count += 1
        yield item if isinstance(item, InputError) else record_to_raw(item[1], str(path), item[0])
    if count == 0:
        raise InputError(str(path), "no readable article (no rows)")


def _directory_files(path: Path) -> list[Path]:
    entries = [
        entry
        for entry in path.rglob("*")
        if not any(p.startswith(".") for p in entry.relative_to(path).parts)
    ]
    if not entries:
        raise InputError(str(path), "empty directory")
    files = sorted(
        entry for entry in entries if entry.is_file() and entry.suffix.lower() in DOCUMENT_SUFFIXES
    )
    if not files:
        raise InputError(str(path), "no article files (.txt, .md, .html) in directory")
    return files


def _items(
    paths: Iterable[str | os.PathLike[str]], fetcher: Fetcher | None = None
) -> Iterator[RawArticle | InputError]:
    """Every article or error the inputs hold, in input order; a whole bad input is one error."""
    fetcher = fetcher or Fetcher()
    for given in paths:
        path = Path(given)
        try:
            if is_feed_source(given):
                yield from read_feed(given, fetcher)
                continue
            if not path.exists():
                raise InputError(str(path), "no such file or directory")
            if path.is_dir():
                for file in _directory_files(path):
                    try:
                        yield read_document(file)
                    except InputError as exc:
                        yield exc
            else:
                yield from _file_items(path)
        except InputError as exc:
            yield exc


def collect(
    items: Iterable[RawArticle | InputError], skip_bad: bool = False, allow_empty: bool = False
) -> LoadResult:
    """Prepare raw articles into the table, checking ids are unique.

    Without ``skip_bad`` the first problem is raised; with it, problems are gathered in
    ``skipped``. With ``skip_bad`` and ``allow_empty`` nothing left is an empty table;
    otherwise an input with no article left at all is an error either way.
    """
    rows: list[dict[str, object]] = []
    skipped: list[InputError] = []
    seen: dict[str, str] = {}
    for item in items:
        try:
            if isinstance(item, InputError):
                raise item
            row = prepare(item)
            ident = str(row["id"])
            if ident in seen:
                raise item.error(f"duplicate id {ident!r} (first seen at {seen[ident]})")
            seen[ident] = str(row["path"])
            rows.append(row)
        except InputError as exc:
            if not skip_bad:
                raise
            skipped.append(exc)
    if not rows and not (allow_empty and skip_bad):
        where = skipped[0].path if skipped else "input"
        raise InputError(
            where, "no readable article" + (f" ({len(skipped)} skipped)" if skipped else "")
        )
    return LoadResult(to_frame(rows), skipped)


def load_articles(
    paths: Iterable[str | os.PathLike[str]],
    skip_bad: bool = False,
    allow_empty: bool = False,
    fetcher: Fetcher | None = None,
) -> LoadResult:
    """Read files, directories and feeds into the article table (see the module docstring).

    Feed URLs are fetched by ``fetcher`` (one with the default limits without it).
    """
    return collect(_items(list(paths), fetcher), skip_bad=skip_bad, allow_empty=allow_empty)


def articles_from_records(
    records: Iterable[Mapping[str, object]], source: str = "<records>", skip_bad: bool = False
) -> LoadResult:
    """The article table from in-memory records or a DataFrame (``frame.to_dict("records")``)."""
    return collect(records_to_raw(records, source), skip_bad=skip_bad)
