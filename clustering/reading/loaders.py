"""Reading articles from files and directories into the uniform article table.

Directories give their ``.txt``, ``.md`` and ``.html`` files (recursively, hidden ones
skipped), each an article whose id is its file name; such a name that is no regular file (a
broken symbolic link, a FIFO) is a bad input too, and so is a symbolic link to a file out of
the directory (it is not followed). JSONL, CSV/TSV and Parquet files give one article per
row; a CSV, TSV or Parquet table needs a title or text column, and two columns that give one
field different values in a row make a bad row. ``-`` is standard input, read as
:class:`ReadOptions` say. Every problem is an :class:`InputError` naming the file and the
line; with ``skip_bad`` the bad inputs are collected instead, so that every input is either
in the table or in ``skipped``.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from clustering.errors import InputError
from clustering.reading.articles import RawArticle, prepare, to_frame
from clustering.reading.feeds import is_feed_source, read_feed
from clustering.reading.fetch import Fetcher
from clustering.reading.limits import (
    DEFAULT_MAX_ARTICLE_BYTES,
    DEFAULT_MAX_INPUT_BYTES,
    STDIN,
    STDIN_NAME,
    ReadOptions,
)
from clustering.reading.markup import looks_like_html, looks_like_markdown, markdown_to_text
from clustering.reading.records import (
    TABLE_SUFFIXES,
    Record,
    one_value,
    parse_records,
    read_records,
    read_stdin,
    read_text,
)
from clustering.reading.values import is_missing
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


def read_document(path: Path, max_bytes: int = DEFAULT_MAX_INPUT_BYTES) -> RawArticle:
    """One article from a text, Markdown or HTML file; its id is the file name."""
    kind = DOCUMENT_SUFFIXES.get(path.suffix.lower(), "text")
    return document(read_text(path, max_bytes), kind, str(path), path.name)


def document(content: str, kind: str, path: str, ident: str) -> RawArticle:
    """One article from the content of a document of ``kind`` text, markdown or html."""
    raw = RawArticle(path=path, id=ident)
    if not content.strip():
        raise InputError(path, "no readable article (empty file)")
    if kind == "html" or (kind == "text" and looks_like_html(content)):
        page = read_page(content, path)
        raw.title, raw.text, raw.published = page.title, page.text, page.published
        raw.lang, raw.url, raw.source = page.lang, page.url, page.source
    elif kind == "markdown" or looks_like_markdown(content):
        raw.title, raw.text = markdown_to_text(content)
    else:
        raw.text = content
    return raw


def _pick(row: Mapping[str, object], name: str, path: str, line: int) -> object:
    """The value of field ``name``; two columns giving it different values are an error."""
    found: dict[str, object] = {}
    for key in FIELD_ALIASES[name]:
        value = one_value(row.get(key), key, path, line)
        if not is_missing(value) and str(value).strip() != "":
            found[key] = value
    if len({str(value).strip() for value in found.values()}) > 1:
        listed = " and ".join(repr(key) for key in found)
        raise InputError(path, f"columns {listed} both give the {name}: keep one", line)
    return next(iter(found.values()), None)


def record_to_raw(row: Mapping[str, object], path: str, line: int) -> RawArticle:
    """A table row (JSON object, CSV row, DataFrame row) as a raw article."""
    lowered = {str(key).strip().lower(): value for key, value in row.items()}
    fields = {name: _pick(lowered, name, path, line) for name in FIELD_ALIASES}
    ident = fields["id"]
    return RawArticle(
        path=path,
        line=line,
        id=str(ident).strip() if ident is not None else f"{Path(path).name}:{line}",
        title=str(fields["title"] or ""),
        text=str(fields["text"] or ""),
        published=fields["published"],
        lang=_optional_str(fields["lang"]),
        source=_optional_str(fields["source"]),
        url=_optional_str(fields["url"]),
        extra={str(k).strip(): v for k, v in row.items() if str(k).strip().lower() not in _ALIASES},
    )


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def records_to_raw(
    records: Iterable[Mapping[str, object]], path: str
) -> Iterator[RawArticle | InputError]:
    """Raw articles from records (e.g. a DataFrame's rows); ``line`` is the 1-based row number."""
    return _row_items(enumerate(records, start=1), path)


def _row_items(
    rows: Iterable[tuple[int, Mapping[str, object]] | InputError], path: str
) -> Iterator[RawArticle | InputError]:
    """Each numbered row as a raw article, or its error."""
    for item in rows:
        if isinstance(item, InputError):
            yield item
            continue
        try:
            yield record_to_raw(item[1], path, item[0])
        except InputError as exc:
            yield exc


def check_columns(columns: Iterable[object], path: str) -> None:
    """Raise :class:`InputError` naming the columns when none gives a title or a text.

    That is what a header read with the wrong delimiter looks like.
    """
    names = [str(column).strip() for column in columns]
    if not {name.lower() for name in names} & {*FIELD_ALIASES["title"], *FIELD_ALIASES["text"]}:
        shown = ", ".join(repr(name) for name in names) or "none"
        raise InputError(path, f"no title or text column (the columns: {shown})")


def _table_items(
    rows: Iterable[Record | InputError], path: str, header: bool = False
) -> Iterator[RawArticle | InputError]:
    """The rows of a table file as in :func:`_row_items`; a table without rows is an error.

    The columns of a table with a ``header`` (CSV, TSV, Parquet) are checked at its first
    good row (:func:`check_columns`).
    """
    count = 0
    for item in _row_items(_checked(rows, path) if header else rows, path):
        count += 1
        yield item
    if count == 0:
        raise InputError(path, "no readable article (no rows)")


def _checked(rows: Iterable[Record | InputError], path: str) -> Iterator[Record | InputError]:
    """``rows``, once the first good one shows that the columns give an article.

    Bad rows before it are held back: when the columns give none, the whole file is one error.
    """
    held: list[InputError] = []
    items = iter(rows)
    for item in items:
        if isinstance(item, InputError):
            held.append(item)
            continue
        check_columns(item[1], path)
        yield from held
        yield item
        yield from items
        return
    yield from held


def _file_items(path: Path, options: ReadOptions) -> Iterator[RawArticle | InputError]:
    kind = TABLE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        yield read_document(path, options.max_input_bytes)
        return
    rows = read_records(path, options.max_input_bytes)
    yield from _table_items(rows, str(path), header=kind != "jsonl")


def _stdin_items(options: ReadOptions) -> Iterator[RawArticle | InputError]:
    """The articles on standard input, read as ``options.input_format`` says."""
    text = read_stdin(options.max_input_bytes)
    kind = options.input_format or stdin_kind(text)
    if kind in TABLE_SUFFIXES.values():
        rows = parse_records(text, kind, STDIN_NAME)
        yield from _table_items(rows, STDIN_NAME, header=kind != "jsonl")
    else:
        yield document(text, kind, STDIN_NAME, STDIN_NAME)


def stdin_kind(text: str) -> str:
    """How standard input without ``input_format`` is read.

    JSONL when it starts with ``{``, CSV when its first line is a comma-separated header
    naming an id, title or text column (as :data:`FIELD_ALIASES` spell them), else one
    article (text, Markdown or HTML).
    """
    if text.lstrip().startswith("{"):
        return "jsonl"
    header = next(csv.reader([text.lstrip("\ufeff").partition("\n")[0]]), [])
    names = {cell.strip().lower() for cell in header}
    known = {alias for key in ("id", "title", "text") for alias in FIELD_ALIASES[key]}
    return "csv" if len(header) > 1 and names & known else "text"


def _directory_files(path: Path) -> list[Path]:
    """The article files of a directory, sorted; those that are no regular file are kept too.

    Reading a broken symbolic link or a FIFO then fails, so it is reported, not passed over.
    """
    try:
        entries = [
            entry
            for entry in path.rglob("*")
            if not any(p.startswith(".") for p in entry.relative_to(path).parts)
        ]
    except OSError as exc:
        raise InputError(str(path), f"cannot list directory ({exc.strerror or exc})") from exc
    if not entries:
        raise InputError(str(path), "empty directory")
    files = sorted(
        entry
        for entry in entries
        if entry.suffix.lower() in DOCUMENT_SUFFIXES and not entry.is_dir()
    )
    if not files:
        raise InputError(str(path), "no article files (.txt, .md, .html) in directory")
    return files


def _check_inside(file: Path, root: Path) -> None:
    """Raise :class:`InputError` for a symbolic link out of the folder ``root``: not followed.

    A folder given as input holds what is in it; a link to ``/etc/passwd`` is no article.
    """
    if file.is_symlink() and file.exists():
        target = file.resolve()
        if not target.is_relative_to(root):
            raise InputError(
                str(file), f"symbolic link out of the folder (to {target}), not followed"
            )


def _source_items(
    given: str | os.PathLike[str], options: ReadOptions, fetcher: Fetcher
) -> Iterator[RawArticle | InputError]:
    """Every article or error one input holds; a whole bad input raises :class:`InputError`."""
    if os.fspath(given) == STDIN:
        yield from _stdin_items(options)
    elif is_feed_source(given):
        yield from read_feed(given, fetcher)
    elif Path(given).is_dir():
        root = Path(given).resolve()
        for file in _directory_files(Path(given)):
            try:
                _check_inside(file, root)
                yield read_document(file, options.max_input_bytes)
            except InputError as exc:
                yield exc
    else:
        yield from _file_items(Path(given), options)


def _items(
    paths: Iterable[str | os.PathLike[str]], options: ReadOptions, fetcher: Fetcher | None = None
) -> Iterator[RawArticle | InputError]:
    """Every article or error the inputs hold, in input order; a whole bad input is one error."""
    fetcher = fetcher or Fetcher()
    for given in paths:
        try:
            yield from _source_items(given, options, fetcher)
        except InputError as exc:
            yield exc
        except OSError as exc:  # a name the system refuses (too long, a loop of links)
            yield InputError(os.fspath(given), f"cannot read ({exc.strerror or exc})")


def collect(
    items: Iterable[RawArticle | InputError],
    skip_bad: bool = False,
    allow_empty: bool = False,
    max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES,
) -> LoadResult:
    """Prepare raw articles into the table, checking ids are unique.

    Without ``skip_bad`` the first problem is raised; with it, problems are gathered in
    ``skipped``. With ``skip_bad`` and ``allow_empty`` nothing left is an empty table;
    otherwise an input with no article left at all is an error either way. Titles and texts
    are cut to ``max_article_bytes`` (with an :class:`~clustering.errors.InputWarning`).
    """
    rows: list[dict[str, object]] = []
    skipped: list[InputError] = []
    seen: dict[str, str] = {}
    for item in items:
        try:
            if isinstance(item, InputError):
                raise item
            row = prepare(item, max_article_bytes)
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
    reading: ReadOptions | None = None,
) -> LoadResult:
    """Read files, directories, feeds and ``-`` into the article table (see the module docstring).

    ``reading`` sets the format of standard input and the size limits (defaults in
    :mod:`clustering.reading.limits`); feed URLs are fetched by ``fetcher`` (one with the
    default limits without it).
    """
    reading = reading or ReadOptions()
    items = _items(list(paths), reading, fetcher)
    return collect(items, skip_bad, allow_empty, reading.max_article_bytes)


def articles_from_records(
    records: Iterable[Mapping[str, object]],
    source: str = "<records>",
    skip_bad: bool = False,
    max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES,
) -> LoadResult:
    """The article table from in-memory records or a DataFrame (``frame.to_dict("records")``)."""
    items = records_to_raw(records, source)
    return collect(items, skip_bad=skip_bad, max_article_bytes=max_article_bytes)
