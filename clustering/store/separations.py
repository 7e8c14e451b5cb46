"""The pairs of articles an editor's corrections keep apart, read from a story store.

A ``separate`` correction keeps its two articles apart; a ``split`` keeps each article it
moved apart from the members it left. A pair binds while its correction is not undone.
Placement reads them as pairs of stories that must never merge
(:func:`stories_kept_apart`); corrections check them before they move anything
(:func:`clashes`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection

_ACTIVE = (
    "SELECT s.a, s.b, s.correction FROM separations s "
    "JOIN corrections c ON c.id = s.correction WHERE c.undone IS NULL"
)


def has_corrections(db: sqlite3.Connection) -> bool:
    """Whether the store has the corrections tables (a read-only older store may not)."""
    row = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'separations'"
    ).fetchone()
    return row is not None


def stories_kept_apart(
    db: sqlite3.Connection, stories: Collection[str]
) -> frozenset[tuple[str, str]]:
    """Pairs of ``stories`` that hold two articles kept apart (either order, once)."""
    if not stories or not has_corrections(db):
        return frozenset()
    rows = db.execute(
        f"SELECT DISTINCT x.story, y.story FROM ({_ACTIVE}) s "
        "JOIN articles x ON x.id = s.a JOIN articles y ON y.id = s.b WHERE x.story != y.story"
    )
    wanted = set(stories)
    return frozenset((min(a, b), max(a, b)) for a, b in rows if a in wanted or b in wanted)


def clashes(db: sqlite3.Connection) -> list[tuple[str, str, int]]:
    """Every pair kept apart that shares a story now: (article, article, correction)."""
    if not has_corrections(db):
        return []
    return [
        (str(a), str(b), int(c))
        for a, b, c in db.execute(
            f"SELECT s.a, s.b, s.correction FROM ({_ACTIVE}) s "
            "JOIN articles x ON x.id = s.a JOIN articles y ON y.id = s.b "
            "WHERE x.story = y.story ORDER BY s.correction, s.a, s.b"
        )
    ]
