"""Feed validators kept in the store, so that an unchanged feed costs one 304 on every run.

Table ``feeds`` holds, for each feed URL, the ``ETag`` and ``Last-Modified`` of its last
good read and when the server last answered well (``checked_at``, a full feed or a 304).
They are read into the :class:`~clustering.reading.fetch.Fetcher` before fetching, and
written back only after the articles are stored: a crash in between costs one full
download the next time, never an article.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from clustering.reading.fetch import Fetcher


def recall_validators(db: sqlite3.Connection, fetcher: Fetcher, urls: Iterable[str]) -> None:
    """Have ``fetcher`` ask each of ``urls`` for changes since the validators kept for it."""
    for url in urls:
        row = db.execute("SELECT etag, last_modified FROM feeds WHERE url = ?", (url,)).fetchone()
        if row is not None:
            fetcher.recall(url, *row)


def keep_validators(
    db: sqlite3.Connection, fetcher: Fetcher, urls: Iterable[str], checked_at: str
) -> None:
    """Keep the validators ``fetcher`` now holds for each of ``urls``, all read well just now."""
    db.executemany(
        "INSERT OR REPLACE INTO feeds (url, etag, last_modified, checked_at) VALUES (?, ?, ?, ?)",
        [(url, *fetcher.kept(url), checked_at) for url in urls],
    )
