"""The uniform article table every input becomes: one row per article, the same columns always."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from clustering.errors import InputError
from clustering.reading.cleaning import clean_text, is_invisible, normalize_text
from clustering.reading.dates import DateError, leading_date, parse_date
from clustering.reading.language import detect_language, normalize_lang
from clustering.reading.limits import DEFAULT_MAX_ARTICLE_BYTES, cut_to_bytes
from clustering.reading.markup import looks_like_html, strip_tags
from clustering.reading.values import is_missing

#: Columns of the article table, in order. ``path`` says where each article came from.
ARTICLE_COLUMNS = ("id", "title", "text", "published", "lang", "source", "url", "path")
_TITLE_MAX = 150
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?…。؟])(?:\s|$)")


@dataclass
class RawArticle:
    """An article as a loader found it, before cleaning; ``path``/``line`` locate it."""

    path: str
    line: int | None = None
    id: str | None = None
    title: str = ""
    text: str = ""
    published: object = None
    #: Another reading of the date, used when ``published`` is no date samestory reads
    #: (a feed's date as feedparser read it).
    published_fallback: object = None
    lang: str | None = None
    source: str | None = None
    url: str | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def location(self) -> str:
        """``path`` or ``path:line``."""
        return f"{self.path}:{self.line}" if self.line else self.path

    def error(self, message: str) -> InputError:
        """An :class:`InputError` located at this article."""
        return InputError(self.path, message, self.line)


def _shorten(text: str, limit: int = _TITLE_MAX) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def split_title(text: str) -> tuple[str, str]:
    """A headline for text that has none: its short first line, else its first sentence.

    Returns ``(title, body)``; a first line used as the title leaves the body.
    """
    first, _, rest = text.partition("\n")
    first = first.strip()
    if len(first) <= _TITLE_MAX:
        return first, rest.strip()
    sentence = _FIRST_SENTENCE.match(first)
    return _shorten(sentence.group(1) if sentence else first), text


def _clean_field(value: object, raw: RawArticle, what: str, max_bytes: int) -> str:
    if is_missing(value):
        return ""
    text = cut_to_bytes(str(value), max_bytes, what, raw.location)
    return strip_tags(text) if looks_like_html(text) else text


def _optional(value: object) -> str | None:
    if is_missing(value):
        return None
    text = str(value).strip()
    return text or None


def _published(raw: RawArticle, lang: str | None) -> pd.Timestamp | None:
    """The article's date: ``published``, else its fallback when that one is no date."""
    try:
        return parse_date(raw.published, lang)
    except DateError:
        if raw.published_fallback is None:
            raise
        try:
            return parse_date(raw.published_fallback, lang)
        except DateError:
            pass
        raise  # the error of the date as written


def prepare(raw: RawArticle, max_bytes: int = DEFAULT_MAX_ARTICLE_BYTES) -> dict[str, object]:
    """Clean one article into a table row, or raise :class:`InputError`.

    A title or text over ``max_bytes`` of UTF-8 is first cut to it, with an
    :class:`~clustering.errors.InputWarning`.
    """
    title = " ".join(normalize_text(_clean_field(raw.title, raw, "title", max_bytes)).split())
    text = clean_text(_clean_field(raw.text, raw, "text", max_bytes))
    lang = normalize_lang(raw.lang) or detect_language(f"{title}\n{text[:1000]}")
    try:
        published = _published(raw, lang)
        if published is None and text:
            published, text = leading_date(text, lang)
    except DateError as exc:
        raise raw.error(str(exc)) from exc
    title, text = ("" if is_invisible(title) else title), ("" if is_invisible(text) else text)
    if not title and text:
        title, text = split_title(text)
    elif title and (text == title or text.startswith(title + "\n")):
        text = text[len(title) :].lstrip()
    if not title and not text:
        raise raw.error("row has neither title nor text" if raw.line else "no readable article")
    return {
        "id": raw.id,
        "title": title,
        "text": text,
        "published": published,
        "lang": lang,
        "source": _optional(raw.source),
        "url": _optional(raw.url),
        "path": raw.location,
        **{key: value for key, value in raw.extra.items() if key not in ARTICLE_COLUMNS},
    }


def to_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """The article table from prepared rows, with ``published`` as datetime64.

    Fields of the input beyond the article columns (a gold ``story`` label, say) follow
    them, in the order first seen, each value as it was read: an integer column that some
    rows lack stays integers (pandas would make it floats, ``1.2345678901234568e+16``).
    """
    extra = list(dict.fromkeys(key for row in rows for key in row if key not in ARTICLE_COLUMNS))
    frame = pd.DataFrame(rows, columns=[*ARTICLE_COLUMNS, *extra], dtype=object)
    frame["published"] = pd.to_datetime(frame["published"])
    for column in ("id", "title", "text"):
        frame[column] = frame[column].astype(str)
    return frame


def table_source(articles: pd.DataFrame) -> str:
    """Where an article table came from: its first article's file (``input`` when empty)."""
    return str(articles["path"].iloc[0]).rsplit(":", 1)[0] if len(articles) else "input"


def gold_labels(articles: pd.DataFrame, column: str) -> list[str]:
    """Each article's gold label from ``column`` of the article table."""
    if column not in articles.columns:
        raise InputError(table_source(articles), f"no gold column {column!r}")
    labels = []
    for location, value in zip(articles["path"], articles[column], strict=True):
        if is_missing(value) or value == "":
            raise InputError(str(location), f"no gold label in column {column!r}")
        labels.append(str(value))
    return labels
