"""A persistent story store on SQLite: wire feeds are added as they arrive, story ids stay.

One file holds the articles with their vectors (and, in table ``vectors``, the second
model's head vectors the evidence cascade made for them), the stories, and the history of
every assignment, correction and merge. Each :meth:`StoryStore.add` is one ``BEGIN
IMMEDIATE`` transaction in WAL mode, so a killed process leaves all or none of its batch,
and concurrent writers wait for each other (busy timeout) instead of failing. Opening,
versions and durability: :mod:`clustering.store.database`; reading the store back:
:mod:`clustering.store.contents`; feed validators: :mod:`clustering.store.feeds`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.grouping.placement import Plan
from clustering.grouping.result import ClusterResult
from clustering.grouping.stories import Story, story_id
from clustering.reading.feeds import is_url
from clustering.reading.fetch import Fetcher
from clustering.reading.limits import ReadOptions
from clustering.reading.loaders import LoadResult, load_articles
from clustering.reading.values import iso_or_none, text_or_none
from clustering.store.assign import Assigner
from clustering.store.contents import stored_articles, stored_history, stored_result
from clustering.store.copy_text import hours_since_epoch, keep_copies_text
from clustering.store.database import (
    StoreError,
    check_meta,
    connect,
    meta,
    translated,
)
from clustering.store.feeds import keep_validators, recall_validators
from clustering.store.rows import DamagedRow, extra_json, row_fields, vector_blob
from clustering.store.timeindex import TimeIndex
from embeddings import Embedder, make_embedder
from embeddings.articles import embed_articles
from embeddings.cache import content_digest


@dataclass(frozen=True)
class Assignment:
    """What happened to one input article: ``new`` story, ``joined``, ``updated``, ``duplicate``."""

    id: str
    story: str
    status: str


@dataclass
class AddResult:
    """The assignments of one :meth:`StoryStore.add`, and the merges it made."""

    assignments: list[Assignment] = field(default_factory=list)
    merges: list[tuple[str, str]] = field(default_factory=list)


def article_digest(title: str, text: str) -> bytes:
    """What makes two articles the same content: their cleaned title and text."""
    return content_digest(f"{title}\n{text}")


def _now() -> pd.Timestamp:
    return pd.Timestamp(datetime.now(UTC).replace(tzinfo=None))


@dataclass
class _Rows:
    """The rows of a batch by what adding them does (see :meth:`StoryStore._sort`)."""

    fresh: list[int] = field(default_factory=list)
    copies: list[int] = field(default_factory=list)
    updates: list[int] = field(default_factory=list)
    clashing: set[int] = field(default_factory=set)
    uncopied: list[int] = field(default_factory=list)


class StoryStore:
    """Stories kept in a SQLite file; see the module docstring.

    ``path`` ``":memory:"`` keeps the store in memory, for a notebook session.
    ``embedder`` makes the vectors (default: the default model, with the vector cache; a
    store keeps one model: the model and its dimension are recorded); ``assigner`` decides
    where new articles go (see :class:`~clustering.store.assign.Assigner`). ``read_only``
    opens an existing store without write access and without waiting for writers;
    :meth:`add` is then refused. Every problem with the file is a one-line
    :class:`StoreError`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        embedder: Embedder | None = None,
        assigner: Assigner | None = None,
        busy_timeout: float | None = None,
        read_only: bool = False,
    ) -> None:
        self.path = Path(path)
        self.embedder = embedder or make_embedder()
        self.assigner = assigner or Assigner()
        self.read_only = read_only
        self._connection = connect(self.path, read_only, busy_timeout)
        try:
            with translated(self.path):
                if read_only:
                    check_meta(self._connection, self.path, "model", self.embedder.model)
                else:
                    with self._transaction() as db:
                        check_meta(db, self.path, "model", self.embedder.model, write=True)
        except BaseException:
            self._connection.close()
            raise
        self._index = TimeIndex()
        self._revision: str | None = None
        #: With ``skip_damaged``, :meth:`add` goes on past stored rows that cannot be read
        #: (they then meet no new article) and lists them in ``damaged``; without it such a
        #: row is a :class:`~clustering.store.rows.DamagedRow`.
        self.skip_damaged = False
        self.damaged: list[DamagedRow] = []

    def close(self) -> None:
        """Close the database connection."""
        self._connection.close()

    def __enter__(self) -> StoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._connection.execute("BEGIN IMMEDIATE")
        try:
            yield self._connection
        except BaseException:
            if self._connection.in_transaction:  # SQLite ends it itself on a full disk
                self._connection.execute("ROLLBACK")
            raise
        self._connection.execute("COMMIT")

    def _refresh_index(self, db: sqlite3.Connection) -> None:
        """Read new rows into the index; rebuild it after a correction changed a vector."""
        revision = meta(db, "revision")
        if revision != self._revision:
            self._index, self._revision = TimeIndex(), revision
        found = self._index.refresh(db, self.path, self.skip_damaged)
        known = {error.ident for error in self.damaged}
        self.damaged += [error for error in found if error.ident not in known]

    def add(self, articles: pd.DataFrame) -> AddResult:
        """Add articles (the article table), assign each to a story, and record it all.

        An article whose id and content are already stored changes nothing and is a
        ``duplicate`` of the story that holds it; so is a new id with stored content (kept
        as a copy of that article). A stored id with another title or text is a correction:
        the stored article takes the new content, date and vector and keeps its id and its
        story (status ``updated``). Within one batch, the last version of an id counts.
        """
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only, so nothing can be added")
        with translated(self.path):
            return self._add(articles.reset_index(drop=True))

    def add_sources(
        self,
        sources: Sequence[str | os.PathLike[str]],
        fetcher: Fetcher | None = None,
        reading: ReadOptions | None = None,
    ) -> tuple[AddResult, LoadResult]:
        """Read ``sources`` as ``samestory add`` does and add their articles.

        Returns what was added and what was read; a bad source or article is in the read
        result's ``skipped`` and the others are added all the same. A feed URL is asked only
        for what changed since this store's last good read of it (its ETag and Last-Modified
        are kept in the store, :mod:`clustering.store.feeds`): an unchanged feed costs one
        ``304 Not Modified`` and adds nothing.
        """
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only, so nothing can be added")
        fetcher = fetcher or Fetcher()
        urls = [os.fspath(source) for source in sources if is_url(os.fspath(source))]
        with translated(self.path):
            recall_validators(self._connection, fetcher, urls)
        loaded = load_articles(
            sources, skip_bad=True, allow_empty=True, fetcher=fetcher, reading=reading
        )
        result = self.add(loaded.articles) if len(loaded.articles) else AddResult()
        failed = {problem.path for problem in loaded.skipped if problem.line is None}
        if good := [url for url in urls if url not in failed]:
            with translated(self.path), self._transaction() as db:
                keep_validators(db, fetcher, good, _now().isoformat())
        return result, loaded

    def _add(self, articles: pd.DataFrame) -> AddResult:
        digests = [
            article_digest(t, x) for t, x in zip(articles["title"], articles["text"], strict=True)
        ]
        rows = self._sort(articles, digests)
        vectors = self._embed(articles, [*rows.fresh, *rows.updates], {})
        with self._transaction() as db:
            rows = self._sort(articles, digests)  # another writer may have stored some meanwhile
            vectors = self._embed(articles, [*rows.fresh, *rows.updates], vectors)
            for vector in vectors.values():
                check_meta(db, self.path, "dimension", str(len(vector)), write=True)
                break
            result = AddResult()
            seen = _now()
            uncopied = [(str(articles["id"][row]),) for row in rows.uncopied]
            db.executemany("DELETE FROM copies WHERE id = ?", uncopied)  # before a copy is kept
            self._update(db, articles, rows, digests, vectors, seen)
            status = dict.fromkeys(rows.updates, "updated")
            if rows.fresh:
                batch = articles.iloc[rows.fresh].reset_index(drop=True)
                batch_vectors = np.stack([vectors[row] for row in rows.fresh])
                hours = np.array([hours_since_epoch(p) for p in batch["published"]])
                self._refresh_index(db)
                plan = self.assigner.plan(
                    batch, batch_vectors, hours, self._index, db, self.embedder
                )
                result.merges = self._apply(
                    db, plan, batch, batch_vectors, hours, [digests[i] for i in rows.fresh], seen
                )
                status.update(zip(rows.fresh, plan.status, strict=True))
            self._add_copies(db, articles, [digests[row] for row in rows.copies], rows.copies)
            stored = self._stories_of(db, list(articles["id"]), digests)
            for row, (ident, digest) in enumerate(zip(articles["id"], digests, strict=True)):
                story = stored.get(str(ident)) or stored[digest.hex()]
                result.assignments.append(
                    Assignment(str(ident), story, status.get(row, "duplicate"))
                )
        self._refresh_index(self._connection)
        return result

    def _embed(
        self, articles: pd.DataFrame, rows: list[int], known: dict[int, np.ndarray]
    ) -> dict[int, np.ndarray]:
        """The vectors of ``rows`` of ``articles``, embedding those ``known`` lacks."""
        missing = [row for row in rows if row not in known]
        if not missing:
            return known
        made = embed_articles(articles.iloc[missing], self.embedder)
        return {**known, **dict(zip(missing, made, strict=True))}

    def _sort(self, articles: pd.DataFrame, digests: list[bytes]) -> _Rows:
        """Which rows are new, copies, corrections of a stored article, or change nothing.

        A copy has a new id but the content of a stored (or earlier) article: it is kept
        under its own id as a copy of that article and changes no story. A stored copy's
        id with content of its own is no longer a copy (``uncopied``) and is added anew.
        """
        ids = [str(i) for i in articles["id"]]
        stored = self._stored_content(ids)
        copied = self._existing("id", ids, "copies")
        known_digests = self._existing("digest", digests)
        last = {ident: row for row, ident in enumerate(ids)}
        out, seen_digests = _Rows(), set()
        for row, (ident, digest) in enumerate(zip(ids, digests, strict=True)):
            if last[ident] != row or stored.get(ident) == digest:
                continue
            if ident in stored and ident not in copied:
                out.updates.append(row)
                if digest in known_digests or digest in seen_digests:
                    out.clashing.add(row)
                seen_digests.add(digest)
                continue
            if ident in copied:
                out.uncopied.append(row)
            if digest in known_digests or digest in seen_digests:
                out.copies.append(row)
                continue
            seen_digests.add(digest)
            out.fresh.append(row)
        return out

    def _stored_content(self, ids: list[str]) -> dict[str, bytes]:
        """The content digest stored under each of ``ids`` (an article's or a copy's)."""
        found: dict[str, bytes] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = (
                f"SELECT id, title, text FROM articles WHERE id IN ({marks}) UNION ALL "
                "SELECT c.id, a.title, a.text FROM copies c JOIN articles a ON a.id = c.original "
                f"WHERE c.id IN ({marks})"
            )
            for ident, title, text in self._connection.execute(query, [*chunk, *chunk]):
                found[ident] = article_digest(title, text)
        return found

    def _update(
        self,
        db: sqlite3.Connection,
        articles: pd.DataFrame,
        rows: _Rows,
        digests: list[bytes],
        vectors: dict[int, np.ndarray],
        seen: pd.Timestamp,
    ) -> None:
        """Write the corrections: new content, date and vector; the story stays."""
        for row in rows.updates:
            record = articles.iloc[row]
            ident = str(record["id"])
            digest = digests[row]
            if row in rows.clashing:  # the content of another article: keep the key unique
                digest = content_digest(f"{ident}\n{digest.hex()}")
            copied = db.execute(
                "SELECT digest, title, text, lang, vector FROM articles WHERE id = ?", (ident,)
            ).fetchone()
            db.execute(
                "UPDATE articles SET digest = ?, title = ?, text = ?, published = ?, hours = ?, "
                "lang = ?, source = ?, url = ?, path = ?, extra = ?, vector = ? WHERE id = ?",
                (digest, *row_fields(record), vector_blob(vectors[row]), ident),
            )
            keep_copies_text(db, ident, copied)
            db.execute(
                "INSERT INTO history (at, event, article, story) "
                "SELECT ?, 'update', id, story FROM articles WHERE id = ?",
                (seen.isoformat(), ident),
            )
        if rows.updates:
            revision = int(meta(db, "revision") or 0) + 1
            db.execute("INSERT OR REPLACE INTO meta VALUES ('revision', ?)", (str(revision),))

    def _existing(
        self, column: str, values: Sequence[object], table: str = "articles"
    ) -> set[object]:
        """The ``values`` already in ``table.column``."""
        found: set[object] = set()
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT {column} FROM {table} WHERE {column} IN ({marks})"
            found.update(row[0] for row in self._connection.execute(query, chunk))
        return found

    def _stories_of(
        self, db: sqlite3.Connection, ids: list[str], digests: list[bytes]
    ) -> dict[str, str]:
        """Story of each stored article, keyed by id and by hex digest."""
        out: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk_ids = [str(i) for i in ids[start : start + 500]]
            chunk_digests = digests[start : start + 500]
            marks = ",".join("?" * len(chunk_ids))
            query = (
                f"SELECT id, digest, story FROM articles WHERE id IN ({marks}) "
                f"OR digest IN ({marks})"
            )
            for ident, digest, story in db.execute(query, [*chunk_ids, *chunk_digests]):
                out[ident] = story
                out[bytes(digest).hex()] = story
        return out

    def _new_story(self, db: sqlite3.Connection, at: str) -> str:
        row = db.execute("SELECT value FROM meta WHERE key = 'next_story'").fetchone()
        number = int(row[0]) if row else 1
        db.execute("INSERT OR REPLACE INTO meta VALUES ('next_story', ?)", (str(number + 1),))
        story = story_id(number)
        db.execute("INSERT INTO stories (id, created) VALUES (?, ?)", (story, at))
        return story

    def _apply(
        self,
        db: sqlite3.Connection,
        plan: Plan,
        batch: pd.DataFrame,
        vectors: np.ndarray,
        hours: np.ndarray,
        digests: list[bytes],
        seen: pd.Timestamp,
    ) -> list[tuple[str, str]]:
        """Write the plan: merges first, then each new article with its story."""
        at = seen.isoformat()
        merges = []
        for source, target in plan.merges:
            db.execute("UPDATE articles SET story = ? WHERE story = ?", (target, source))
            db.execute("UPDATE stories SET merged_into = ? WHERE id = ?", (target, source))
            db.execute(
                "INSERT INTO history (at, event, story, other) VALUES (?, 'merge', ?, ?)",
                (at, target, source),
            )
            merges.append((source, target))
        new_stories: dict[int, str] = {}
        for row, group in enumerate(plan.groups):
            story = plan.targets.get(group) or new_stories.get(group)
            if story is None:
                story = new_stories[group] = self._new_story(db, at)
            record = batch.iloc[row]
            db.execute(
                "INSERT INTO articles (id, digest, title, text, published, hours, lang, source, "
                "url, path, extra, first_seen, story, vector) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    str(record["id"]),
                    digests[row],
                    *row_fields(record),
                    at,
                    story,
                    vector_blob(vectors[row]),
                ),
            )
            db.execute(
                "INSERT INTO history (at, event, article, story) VALUES (?, 'assign', ?, ?)",
                (at, str(record["id"]), story),
            )
        return merges

    def _add_copies(
        self, db: sqlite3.Connection, articles: pd.DataFrame, digests: list[bytes], rows: list[int]
    ) -> None:
        """Record copies of stored content under their own ids."""
        at = _now().isoformat()
        for row, digest in zip(rows, digests, strict=True):
            record = articles.iloc[row]
            (original,) = db.execute(
                "SELECT id FROM articles WHERE digest = ?", (digest,)
            ).fetchone()
            published = record["published"]
            db.execute(
                "INSERT INTO copies (id, original, published, source, url, path, first_seen, "
                "extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(record["id"]),
                    original,
                    iso_or_none(published),
                    text_or_none(record["source"]),
                    text_or_none(record["url"]),
                    text_or_none(record["path"]),
                    at,
                    extra_json(record),
                ),
            )

    def _table(self) -> tuple[pd.DataFrame, np.ndarray]:
        """Articles and copies with their stories, in the order stored, and their vectors."""
        with translated(self.path):
            return stored_articles(self._connection, self.path)

    def articles(self) -> pd.DataFrame:
        """Every stored article (copies included) with ``story``, ``outlier``, ``first_seen``."""
        return self._table()[0]

    def stories(self, since: pd.Timestamp | None = None) -> tuple[pd.DataFrame, list[Story]]:
        """The stored articles and their stories, largest first.

        ``since`` keeps the stories with an article published (or, undated, first seen) at
        or after it. A story of one article is an outlier.
        """
        result = self.result(since)
        return result.articles, result.stories

    def result(self, since: pd.Timestamp | None = None) -> ClusterResult:
        """What :meth:`stories` gives, with the article vectors, as a :class:`ClusterResult`."""
        clusterer = self.assigner.clusterer_for(self.embedder)
        return stored_result(*self._table(), clusterer, since)

    def history(self) -> pd.DataFrame:
        """Every assignment and merge, oldest first."""
        with translated(self.path):
            return stored_history(self._connection)
