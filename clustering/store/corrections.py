"""An editor's corrections to a story store: split, merge, separate, and undo.

Each correction is one transaction, numbered in table ``corrections`` with its time and an
optional note, and written to the history. What it moved is kept
(``correction_moves``, ``correction_stories``) so that :func:`undo_correction` puts every story back
as it was. Corrections stick: a split keeps each article it moved apart from the members
it left, a separation keeps its two articles apart, and later adds never merge stories
that would bring such a pair together (:mod:`clustering.store.separations`). Merged
stories stay merged, since stored stories never split by themselves.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from clustering.grouping.placement import story_number
from clustering.store.database import StoreError, translated
from clustering.store.separations import clashes, has_corrections

if TYPE_CHECKING:
    from clustering.store.store import StoryStore


class CorrectionError(StoreError):
    """A correction that cannot be made (an unknown id, a clash with another); one line."""


@dataclass(frozen=True)
class Correction:
    """One correction made or undone: its number, kind, and the stories it left."""

    id: int
    kind: str
    stories: tuple[str, ...]
    note: str | None = None

    def describe(self) -> str:
        """One line for the command line: ``correction 3 (split): S4``."""
        return f"correction {self.id} ({self.kind}): {', '.join(self.stories)}"


def _now() -> str:
    return pd.Timestamp.now(tz="UTC").tz_localize(None).isoformat()


def _writable(store: StoryStore) -> None:
    if store.read_only:
        raise CorrectionError(f"{store.path}: opened read-only, so nothing can be corrected")


def resolve(db: sqlite3.Connection, given: str) -> str:
    """The stored article id ``given`` names: itself, or the one id it begins (``002``)."""
    exact = db.execute(
        "SELECT id FROM articles WHERE id = ? UNION ALL SELECT id FROM copies WHERE id = ?",
        (given, given),
    ).fetchone()
    if exact is not None or not given:
        return given
    found = [
        str(r[0])
        for r in db.execute(
            "SELECT id FROM articles WHERE substr(id, 1, ?) = ? ORDER BY seq LIMIT 3",
            (len(given), given),
        )
    ]
    if len(found) > 1:
        raise CorrectionError(
            f"{given!r} begins several article ids ({found[0]!r}, {found[1]!r}, ...)"
        )
    return found[0] if found else given


def _story_of(db: sqlite3.Connection, article: str) -> str:
    row = db.execute("SELECT story FROM articles WHERE id = ?", (article,)).fetchone()
    if row is not None:
        return str(row[0])
    copy = db.execute("SELECT original FROM copies WHERE id = ?", (article,)).fetchone()
    if copy is not None:
        raise CorrectionError(
            f"{article!r} is a copy of {copy[0]!r}: correct {copy[0]!r}, and its copies follow"
        )
    raise CorrectionError(f"no article {article!r} in the store")


def _members(db: sqlite3.Connection, story: str) -> list[str]:
    return [
        r[0] for r in db.execute("SELECT id FROM articles WHERE story = ? ORDER BY seq", (story,))
    ]


def _open(db: sqlite3.Connection, kind: str, note: str | None, at: str) -> int:
    cursor = db.execute(
        "INSERT INTO corrections (at, kind, note) VALUES (?, ?, ?)", (at, kind, note)
    )
    return int(cursor.lastrowid or 0)


def _move(db: sqlite3.Connection, correction: int, article: str, before: str, after: str) -> None:
    db.execute("UPDATE articles SET story = ? WHERE id = ?", (after, article))
    db.execute(
        "INSERT INTO correction_moves VALUES (?, ?, ?, ?)", (correction, article, before, after)
    )


def _history(
    db: sqlite3.Connection,
    at: str,
    event: str,
    article: str | None,
    story: str,
    other: str | None,
    note: str | None,
    correction: int,
) -> None:
    db.execute(
        "INSERT INTO history (at, event, article, story, other, note, correction) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (at, event, article, story, other, note, correction),
    )


def _check(db: sqlite3.Connection) -> None:
    """Refuse (roll back) a change that leaves two articles kept apart in one story."""
    if found := clashes(db):
        a, b, correction = found[0]
        raise CorrectionError(
            f"{a!r} and {b!r} would share a story, but correction {correction} keeps them "
            f"apart: undo {correction} first"
        )


def _split_off(
    store: StoryStore,
    db: sqlite3.Connection,
    ids: Sequence[str],
    at: str,
    number: int,
    note: str | None,
) -> str:
    """Move ``ids`` (all of one story) to a new story, kept apart from those left."""
    stories = {_story_of(db, article) for article in ids}
    if len(stories) > 1:
        raise CorrectionError(
            f"{', '.join(ids)} are in different stories ({', '.join(sorted(stories))}): "
            "split one story at a time"
        )
    (old,) = stories
    left = [m for m in _members(db, old) if m not in set(ids)]
    if not left:
        raise CorrectionError(f"{', '.join(ids)} are all of {old}: nothing would be left")
    new = store._new_story(db, at)
    db.execute("INSERT INTO correction_stories VALUES (?, ?, 1, NULL, NULL)", (number, new))
    for article in ids:
        _move(db, number, article, old, new)
        _history(db, at, "split", article, new, old, note, number)
    db.executemany(
        "INSERT INTO separations VALUES (?, ?, ?)",
        [(number, article, member) for article in ids for member in left],
    )
    return new


def split_articles(store: StoryStore, ids: Sequence[str], note: str | None = None) -> Correction:
    """Move the articles ``ids`` out of their story into a new story (all of one story).

    Here and in :func:`separate_articles`, an id may be given by a beginning only it has (``002``).
    """
    _writable(store)
    at = _now()
    with translated(store.path), store._transaction() as db:
        ids = list(dict.fromkeys(resolve(db, str(i)) for i in ids))
        if not ids:
            raise CorrectionError("split needs at least one article id")
        number = _open(db, "split", note, at)
        new = _split_off(store, db, ids, at, number, note)
    return Correction(number, "split", (new,), note)


def merge_stories(store: StoryStore, stories: Sequence[str], note: str | None = None) -> Correction:
    """Join ``stories`` (two or more) under the oldest id."""
    _writable(store)
    stories = list(dict.fromkeys(str(s) for s in stories))
    if len(stories) < 2:
        raise CorrectionError("merge needs two stories or more")
    at = _now()
    with translated(store.path), store._transaction() as db:
        for story in stories:
            row = db.execute("SELECT merged_into FROM stories WHERE id = ?", (story,)).fetchone()
            if row is None:
                raise CorrectionError(f"no story {story!r} in the store")
            if row[0] is not None:
                raise CorrectionError(f"{story} was merged into {row[0]}: name {row[0]}")
        target = min(stories, key=story_number)
        number = _open(db, "merge", note, at)
        for story in stories:
            if story == target:
                continue
            for article in _members(db, story):
                _move(db, number, article, story, target)
            db.execute("UPDATE stories SET merged_into = ? WHERE id = ?", (target, story))
            db.execute(
                "INSERT INTO correction_stories VALUES (?, ?, 0, NULL, ?)", (number, story, target)
            )
            _history(db, at, "merge", None, target, story, note, number)
        _check(db)
    return Correction(number, "merge", (target,), note)


def separate_articles(
    store: StoryStore, first: str, second: str, note: str | None = None
) -> Correction:
    """Say ``first`` and ``second`` are different events; they never share a story again.

    When they share one now, ``second`` leaves it for a new story of its own (``split``
    moves more with it).
    """
    _writable(store)
    at = _now()
    with translated(store.path), store._transaction() as db:
        first, second = resolve(db, str(first)), resolve(db, str(second))
        if first == second:
            raise CorrectionError(f"separate needs two different articles, not {first!r} twice")
        story, other = _story_of(db, first), _story_of(db, second)
        number = _open(db, "separate", note, at)
        left = [story]
        if story == other:
            new = store._new_story(db, at)
            db.execute("INSERT INTO correction_stories VALUES (?, ?, 1, NULL, NULL)", (number, new))
            _move(db, number, second, story, new)
            _history(db, at, "split", second, new, story, note, number)
            other = new
        left.append(other)
        db.execute("INSERT INTO separations VALUES (?, ?, ?)", (number, first, second))
        _history(db, at, "separate", first, story, second, note, number)
    return Correction(number, "separate", tuple(left), note)


def undo_correction(
    store: StoryStore, correction: int | None = None, note: str | None = None
) -> Correction:
    """Take back ``correction`` (default: the latest still standing); stories as before it.

    Articles added since stay where they were placed; a story the correction opened is
    removed when it is empty again. Refused when another correction standing would be broken
    (two articles it keeps apart would share a story).
    """
    _writable(store)
    at = _now()
    with translated(store.path), store._transaction() as db:
        if not has_corrections(db):
            raise CorrectionError(f"{store.path}: no corrections to undo")
        number = correction if correction is not None else _latest(db, store)
        row = db.execute("SELECT kind, undone FROM corrections WHERE id = ?", (number,)).fetchone()
        if row is None:
            raise CorrectionError(f"no correction {number} in {store.path}")
        if row[1] is not None:
            raise CorrectionError(f"correction {number} was undone at {row[1]}")
        moves = db.execute(
            "SELECT article, before FROM correction_moves WHERE correction = ? ORDER BY rowid DESC",
            (number,),
        ).fetchall()
        for article, before in moves:
            db.execute("UPDATE articles SET story = ? WHERE id = ?", (before, article))
        touched = sorted({str(b) for _, b in moves}, key=story_number)
        for story, created, merged_before in db.execute(
            "SELECT story, created, merged_before FROM correction_stories WHERE correction = ?",
            (number,),
        ).fetchall():
            if created:
                db.execute(
                    "DELETE FROM stories WHERE id = ? AND NOT EXISTS "
                    "(SELECT 1 FROM articles WHERE story = ?) AND NOT EXISTS "
                    "(SELECT 1 FROM stories WHERE merged_into = ?)",
                    (story, story, story),
                )
            else:
                db.execute(
                    "UPDATE stories SET merged_into = ? WHERE id = ?", (merged_before, story)
                )
        db.execute("UPDATE corrections SET undone = ? WHERE id = ?", (at, number))
        _check(db)
        if not touched:  # a separation of two stories: the story of its first article
            first = db.execute(
                "SELECT a FROM separations WHERE correction = ? LIMIT 1", (number,)
            ).fetchone()
            touched = [_story_of(db, first[0])] if first else []
        _history(db, at, "undo", None, touched[0] if touched else "", str(number), note, number)
    return Correction(number, f"undo {row[0]}", tuple(touched), note)


def _latest(db: sqlite3.Connection, store: StoryStore) -> int:
    row = db.execute("SELECT max(id) FROM corrections WHERE undone IS NULL").fetchone()
    if row is None or row[0] is None:
        raise CorrectionError(f"{store.path}: no correction to undo")
    return int(row[0])


def corrections(db: sqlite3.Connection) -> pd.DataFrame:
    """Every correction, oldest first: id, at, kind, note, undone."""
    columns = ["id", "at", "kind", "note", "undone"]
    if not has_corrections(db):
        return pd.DataFrame(columns=columns)
    rows = db.execute(f"SELECT {', '.join(columns)} FROM corrections ORDER BY id").fetchall()
    return pd.DataFrame(rows, columns=columns)
