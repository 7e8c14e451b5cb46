"""A persistent story store on SQLite: wire feeds are added as they arrive, story ids stay.

One file holds the articles with their vectors (and, in table ``vectors``, the second
model's head vectors the evidence cascade made for them), the stories, and the history of
every assignment and merge. Each :meth:`StoryStore.add` is one ``BEGIN IMMEDIATE`` transaction
in WAL mode, so a killed process leaves all or none of its batch, and concurrent writers
wait for each other (busy timeout) instead of failing.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from clustering.grouping.result import ClusterResult
from clustering.grouping.stories import ArticleColumns, Story, make_story, story_order
from clustering.reading.values import is_missing, iso_or_none, text_or_none
from clustering.store.assign import Assigner, Plan
from clustering.store.timeindex import TimeIndex
from embeddings import Embedder, make_embedder
from embeddings.articles import embed_articles
from embeddings.cache import content_digest

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stories (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    merged_into TEXT REFERENCES stories(id)
);
CREATE TABLE IF NOT EXISTS articles (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    digest BLOB NOT NULL UNIQUE,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    published TEXT,
    hours REAL,
    lang TEXT,
    source TEXT,
    url TEXT,
    path TEXT,
    first_seen TEXT NOT NULL,
    story TEXT NOT NULL REFERENCES stories(id),
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_hours ON articles(hours);
CREATE INDEX IF NOT EXISTS articles_story ON articles(story);
CREATE TABLE IF NOT EXISTS copies (
    id TEXT PRIMARY KEY,
    original TEXT NOT NULL REFERENCES articles(id),
    published TEXT,
    source TEXT,
    url TEXT,
    path TEXT,
    first_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    article TEXT,
    story TEXT NOT NULL,
    other TEXT
);
"""
_EPOCH = pd.Timestamp("1970-01-01")


class StoreError(RuntimeError):
    """The store cannot be used (another model, a damaged file)."""


@dataclass(frozen=True)
class Assignment:
    """What happened to one input article: ``new`` story, ``joined`` one, or ``duplicate``."""

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


def _hours(stamp: object) -> float:
    """Hours since 1970 of a publication time; NaN when undated."""
    if is_missing(stamp):
        return float("nan")
    return float((pd.Timestamp(cast(Any, stamp)) - _EPOCH) / pd.Timedelta(hours=1))


def _now() -> pd.Timestamp:
    return pd.Timestamp(datetime.now(UTC).replace(tzinfo=None))


class StoryStore:
    """Stories kept in a SQLite file; see the module docstring.

    ``path`` ``":memory:"`` keeps the store in memory, for a notebook session.
    ``embedder`` makes the vectors (default: the default model, with the vector cache; its
    name is recorded: a store keeps one model);
    ``assigner`` decides where new articles go (see :class:`~clustering.store.assign.Assigner`).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        embedder: Embedder | None = None,
        assigner: Assigner | None = None,
        busy_timeout: float = 60.0,
    ) -> None:
        self.path = Path(path)
        self.embedder = embedder or make_embedder()
        self.assigner = assigner or Assigner()
        self._connection = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        with self._transaction() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            self._check_model()
        self._index = TimeIndex()

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
            self._connection.execute("ROLLBACK")
            raise
        self._connection.execute("COMMIT")

    def _check_model(self) -> None:
        row = self._connection.execute("SELECT value FROM meta WHERE key = 'model'").fetchone()
        if row is None:
            self._connection.execute("INSERT INTO meta VALUES ('model', ?)", (self.embedder.name,))
        elif row[0] != self.embedder.name:
            raise StoreError(f"{self.path} holds vectors of {row[0]}, not {self.embedder.name}")

    def add(self, articles: pd.DataFrame) -> AddResult:
        """Add articles (the article table), assign each to a story, and record it all.

        An article whose id or content is already stored (or earlier in the same batch)
        changes nothing and is reported as ``duplicate`` of the story that holds it.
        """
        articles = articles.reset_index(drop=True)
        digests = [
            article_digest(t, x) for t, x in zip(articles["title"], articles["text"], strict=True)
        ]
        fresh, _ = self._fresh(articles, digests)
        vectors = embed_articles(articles.iloc[fresh], self.embedder) if fresh else None
        planned: list[int] = fresh
        with self._transaction() as db:
            fresh, copies = self._fresh(articles, digests)
            result = AddResult()
            status: dict[int, str] = {}
            if fresh:
                seen = _now()
                batch = articles.iloc[fresh].reset_index(drop=True)
                if fresh != planned or vectors is None:  # another writer stored some meanwhile
                    vectors = embed_articles(batch, self.embedder)
                hours = np.array([_hours(p) for p in batch["published"]])
                self._index.refresh(db)
                plan = self.assigner.plan(batch, vectors, hours, self._index, db, self.embedder)
                result.merges = self._apply(
                    db, plan, batch, vectors, hours, [digests[i] for i in fresh], seen
                )
                status = dict(zip(fresh, plan.status, strict=True))
            self._add_copies(db, articles, [digests[row] for row in copies], copies)
            stored = self._stories_of(db, list(articles["id"]), digests)
            for row, (ident, digest) in enumerate(zip(articles["id"], digests, strict=True)):
                story = stored.get(str(ident)) or stored[digest.hex()]
                result.assignments.append(
                    Assignment(str(ident), story, status.get(row, "duplicate"))
                )
        self._index.refresh(self._connection)
        return result

    def _fresh(self, articles: pd.DataFrame, digests: list[bytes]) -> tuple[list[int], list[int]]:
        """Rows new to the store and to the batch before them, and rows that are copies.

        A copy has a new id but the content of a stored (or earlier) article: it is kept
        under its own id as a copy of that article and changes no story.
        """
        ids = [str(i) for i in articles["id"]]
        known_ids = self._existing("id", ids) | self._existing("id", ids, "copies")
        known_digests = self._existing("digest", digests)
        fresh, copies, seen_ids, seen_digests = [], [], set(), set()
        for row, (ident, digest) in enumerate(zip(ids, digests, strict=True)):
            if ident in known_ids or ident in seen_ids:
                continue
            seen_ids.add(ident)
            if digest in known_digests or digest in seen_digests:
                copies.append(row)
                continue
            seen_digests.add(digest)
            fresh.append(row)
        return fresh, copies

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
        story = f"st{number:06d}"
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
            published = record["published"]
            db.execute(
                "INSERT INTO articles (id, digest, title, text, published, hours, lang, source, "
                "url, path, first_seen, story, vector) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    str(record["id"]),
                    digests[row],
                    str(record["title"]),
                    str(record["text"]),
                    iso_or_none(published),
                    None if np.isnan(hours[row]) else float(hours[row]),
                    text_or_none(record["lang"]),
                    text_or_none(record["source"]),
                    text_or_none(record["url"]),
                    text_or_none(record["path"]),
                    at,
                    story,
                    np.asarray(vectors[row], dtype=np.float32).tobytes(),
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
                "INSERT INTO copies VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    str(record["id"]),
                    original,
                    iso_or_none(published),
                    text_or_none(record["source"]),
                    text_or_none(record["url"]),
                    text_or_none(record["path"]),
                    at,
                ),
            )

    def _table(self) -> tuple[pd.DataFrame, np.ndarray]:
        """Articles and copies with their stories, in the order stored, and their vectors."""
        rows = self._connection.execute(
            "SELECT a.seq, a.id, a.title, a.text, a.published, a.lang, a.source, a.url, a.path, "
            "a.first_seen, a.story, a.vector FROM articles a "
            "UNION ALL SELECT a.seq, c.id, a.title, a.text, c.published, a.lang, c.source, c.url, "
            "c.path, c.first_seen, a.story, a.vector FROM copies c JOIN articles a "
            "ON a.id = c.original ORDER BY 1, 2"
        ).fetchall()
        names = [
            "seq",
            "id",
            "title",
            "text",
            "published",
            "lang",
            "source",
            "url",
            "path",
            "first_seen",
            "story",
        ]
        frame = pd.DataFrame([row[:-1] for row in rows], columns=names).drop(columns="seq")
        frame["published"] = pd.to_datetime(frame["published"])
        frame["first_seen"] = pd.to_datetime(frame["first_seen"])
        frame["outlier"] = frame["story"].map(frame["story"].value_counts()) == 1
        vectors = (
            np.stack([np.frombuffer(row[-1], dtype=np.float32) for row in rows])
            if rows
            else np.zeros((0, 1), dtype=np.float32)
        )
        return frame, vectors

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
        articles, vectors = self._table()
        if since is not None:
            when = articles["published"].fillna(articles["first_seen"])
            keep = articles["story"].isin(set(articles.loc[when >= since, "story"])).to_numpy()
            articles, vectors = articles[keep].reset_index(drop=True), vectors[keep]
        columns = ArticleColumns.of(articles)
        groups = articles.groupby("story", sort=True).indices
        # Only stories of three or more need the evidence to pick their centre.
        shared = np.concatenate(
            [np.zeros(0, dtype=np.int64), *(i for i in groups.values() if len(i) > 2)]
        )
        position = np.full(len(articles), -1, dtype=np.int64)
        position[shared] = np.arange(len(shared))
        among = (
            self.assigner.clusterer_for(self.embedder).closeness(
                articles.iloc[shared], vectors[shared]
            )
            if len(shared)
            else None
        )

        def closeness(indices: np.ndarray) -> object:
            if among is None or len(indices) < 3:  # a tie: the smallest id represents
                return np.ones((len(indices), len(indices)))
            return among(position[indices])

        stories = [
            make_story(str(story), np.asarray(indices), len(indices) == 1, columns, closeness)
            for story, indices in groups.items()
        ]
        stories.sort(key=story_order)
        return ClusterResult(articles, stories, embeddings=vectors)

    def history(self) -> pd.DataFrame:
        """Every assignment and merge, oldest first."""
        return pd.read_sql_query(
            "SELECT at, event, article, story, other FROM history ORDER BY seq", self._connection
        )
