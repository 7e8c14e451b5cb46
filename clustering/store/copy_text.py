"""A stored article's copies after a correction, and the hour numbers the store keeps.

A copy holds no text of its own: when its article is corrected, the first copy becomes an
article with the text it was sent with (:func:`keep_copies_text`).
"""

from __future__ import annotations

import sqlite3
from typing import Any, cast

import numpy as np
import pandas as pd

from clustering.reading.values import is_missing

_EPOCH = pd.Timestamp("1970-01-01")


def hours_since_epoch(stamp: object) -> float:
    """Hours since 1970 of a publication time; NaN when undated."""
    if is_missing(stamp):
        return float("nan")
    return float((pd.Timestamp(cast(Any, stamp)) - _EPOCH) / pd.Timedelta(hours=1))


def keep_copies_text(db: sqlite3.Connection, ident: str, old: tuple[Any, ...]) -> None:
    """After ``ident`` was corrected, its copies keep the text they were sent with.

    A copy holds no text of its own, so its first copy becomes an article with the old
    content (digest, title, text, language and vector of ``old``) and its own date, source
    and extra fields, in the same story; the other copies become its copies.
    """
    first = db.execute(
        "SELECT id, published, source, url, path, first_seen, extra FROM copies "
        "WHERE original = ? ORDER BY rowid LIMIT 1",
        (ident,),
    ).fetchone()
    if first is None:
        return
    copy, published, source, url, path, seen, extra = first
    digest, title, text, lang, vector = old
    hours = hours_since_epoch(published)
    db.execute(
        "INSERT INTO articles (id, digest, title, text, published, hours, lang, source, url, "
        "path, extra, first_seen, story, vector) SELECT ?,?,?,?,?,?,?,?,?,?,?,?, story, ? "
        "FROM articles WHERE id = ?",
        (
            copy,
            digest,
            title,
            text,
            published,
            None if np.isnan(hours) else hours,
            lang,
            source,
            url,
            path,
            extra,
            seen,
            vector,
            ident,
        ),
    )
    db.execute("DELETE FROM copies WHERE id = ?", (copy,))
    db.execute("UPDATE copies SET original = ? WHERE original = ?", (copy, ident))
