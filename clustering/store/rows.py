"""What a story store's rows hold, written from an article's record and checked as read.

A row written by samestory always reads back; one damaged by hand, by another program or
by a bad disk (a vector blob of the wrong length, a date that is no date, extra fields
that are no JSON object) is a :class:`DamagedRow` naming the store and the article, never
a traceback from deep inside numpy or pandas: a damaged row is one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.reading.articles import ARTICLE_COLUMNS
from clustering.reading.values import is_missing, iso_or_none, plain, text_or_none
from clustering.store.copy_text import hours_since_epoch
from clustering.store.database import StoreError

#: A story id as :func:`~clustering.grouping.stories.story_number` reads it (``S7``, ``st000042``).
_STORY_ID = re.compile(r"\D*\d+")
#: SQL that is 1 when a row's title and text are text and its lang, source, url and path
#: text or NULL (a blob there, written by another program, is no text).
PLAIN_TEXT = "typeof(title) = 'text' AND typeof(text) = 'text' AND " + " AND ".join(
    f"typeof({c}) IN ('text', 'null')" for c in ("lang", "source", "url", "path")
)


def extra_json(record: pd.Series) -> str | None:
    """The input fields of ``record`` beyond the article columns, as a JSON object (or None).

    A missing value is kept as null, so a column empty in every row is still a column.
    """
    fields = {
        str(name): None if is_missing(value) else value
        for name, value in record.items()
        if name not in ARTICLE_COLUMNS
    }
    return json.dumps(fields, ensure_ascii=False, default=plain) if fields else None


def row_fields(record: pd.Series) -> tuple[object, ...]:
    """An article's stored title, text, published, hours, lang, source, url, path and extra."""
    hours = hours_since_epoch(record["published"])
    return (
        str(record["title"]),
        str(record["text"]),
        iso_or_none(record["published"]),
        None if np.isnan(hours) else hours,
        *(text_or_none(record[name]) for name in ("lang", "source", "url", "path")),
        extra_json(record),
    )


def vector_blob(vector: np.ndarray) -> bytes:
    """A vector as the store keeps it: float32 bytes."""
    return np.asarray(vector, dtype=np.float32).tobytes()


class DamagedRow(StoreError):
    """A stored article that cannot be read: ``PATH: article ID: damaged WHAT``."""

    def __init__(self, path: Path, ident: object, what: str) -> None:
        super().__init__(f"{path}: article {ident}: damaged {what}")
        self.ident = str(ident)


def damage(
    ids: Sequence[object],
    hours: Sequence[object],
    published: Sequence[object],
    blobs: Sequence[object],
    dimension: int,
    stories: Sequence[object] | None = None,
    plain: Sequence[object] | None = None,
) -> list[tuple[int, str]]:
    """The rows (position, what) whose vector, hours, date, story or text cannot be read.

    ``stories`` are the rows' story ids, ``plain`` whether each row's text columns hold
    text (see :data:`PLAIN_TEXT`); either may be left out. In row order.
    """
    found = []
    stamps = pd.to_datetime(
        pd.Series(list(published), dtype=object), format="ISO8601", errors="coerce"
    )
    for row, (hour, stamp, text, blob) in enumerate(
        zip(hours, stamps, published, blobs, strict=True)
    ):
        if (
            not isinstance(blob, bytes)
            or len(blob) != 4 * dimension
            or not np.isfinite(np.frombuffer(blob, dtype=np.float32)).all()
        ):
            found.append((row, "vector"))
        elif (hour is not None and not (isinstance(hour, int | float) and np.isfinite(hour))) or (
            text is not None and pd.isna(stamp)
        ):
            found.append((row, "date"))
        elif stories is not None and not (
            isinstance(stories[row], str) and _STORY_ID.fullmatch(str(stories[row]))
        ):
            found.append((row, "story"))
        elif plain is not None and not plain[row]:
            found.append((row, "text"))
    return found


def vectors_of(
    path: Path, ids: Sequence[object], blobs: Sequence[object], dimension: int | None = None
) -> np.ndarray:
    """The stored vectors as one float32 matrix, each checked: bytes of one length, finite.

    ``dimension`` is the store's (its ``meta``); without it, the first row's.
    """
    if not blobs:
        return np.zeros((0, dimension or 1), dtype=np.float32)
    size = 4 * dimension if dimension else None
    out = []
    for ident, blob in zip(ids, blobs, strict=True):
        if not isinstance(blob, bytes) or not blob or len(blob) % 4:
            raise DamagedRow(path, ident, "vector")
        size = size or len(blob)
        vector = np.frombuffer(blob, dtype=np.float32)
        if len(blob) != size or not np.isfinite(vector).all():
            raise DamagedRow(path, ident, "vector")
        out.append(vector)
    return np.stack(out)


def stamps_of(path: Path, ids: Sequence[object], values: Sequence[object]) -> pd.Series:
    """Stored ISO times (None: undated) as timestamps; a value that is no time is damaged."""
    texts = pd.Series(list(values), dtype=object)
    stamps = pd.to_datetime(texts, format="ISO8601", errors="coerce")
    bad = stamps.isna() & texts.notna()
    if bad.any():
        raise DamagedRow(path, ids[int(np.flatnonzero(bad.to_numpy())[0])], "date")
    return stamps


def extras_of(path: Path, ids: Sequence[object], values: Sequence[object]) -> list[dict]:
    """Stored extra input fields (None: none) as dicts; anything but a JSON object is damaged."""
    out: list[dict] = []
    for ident, value in zip(ids, values, strict=True):
        fields: object = None
        if value is None or value == "":
            fields = {}
        elif isinstance(value, str | bytes):
            with suppress(ValueError):
                fields = json.loads(value)
        if not isinstance(fields, dict):
            raise DamagedRow(path, ident, "extra fields")
        out.append(fields)
    return out
