"""What the desk reads from a story store, with plain SQL that stays fast on big stores.

The story list walks the articles newest first (index on ``first_seen``) and stops once a
page of stories is found, then sums up only those stories. Each story's headline there is
its medoid by cosine (the member closest to the mean of its first
:data:`HEADLINE_MEMBERS` vectors); the story page shows the representative the evidence
picks, with each member's confidence, as ``stories`` does.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import numpy as np

from clustering.grouping.clusterer import StoryClusterer
from clustering.grouping.result import ClusterResult
from clustering.store.contents import stored_articles, stored_result
from clustering.store.corrections import corrections
from clustering.store.database import schema_version

PAGE = 50
HEADLINE_MEMBERS = 200


@dataclass(frozen=True)
class StoryRow:
    """One line of the story list."""

    id: str
    size: int
    languages: tuple[str, ...]
    sources: tuple[str, ...]
    first: str | None
    last: str | None
    active: str
    headline: str


@dataclass(frozen=True)
class Filters:
    """What the list shows: a search in titles, a language, stories active since a time."""

    query: str = ""
    lang: str = ""
    since: str = ""
    page: int = 0


def _page_of_stories(db: sqlite3.Connection, filters: Filters) -> list[str]:
    """The ids of one page of stories, most recently active first."""
    where, values = [], []
    if filters.query:
        where.append("instr(lower(title), lower(?)) > 0")
        values.append(filters.query)
    if filters.lang:
        where.append("lang = ?")
        values.append(filters.lang)
    if filters.since:
        where.append("coalesce(published, first_seen) >= ?")
        values.append(filters.since)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    cursor = db.execute(
        f"SELECT story FROM articles{clause} ORDER BY first_seen DESC, seq DESC", values
    )
    wanted = range(filters.page * PAGE, (filters.page + 1) * PAGE)
    seen: dict[str, None] = {}
    for (story,) in cursor:
        if story not in seen:
            seen[story] = None
            if len(seen) >= wanted.stop:
                break
    return list(seen)[wanted.start : wanted.stop]


def story_list(db: sqlite3.Connection, filters: Filters) -> list[StoryRow]:
    """One page of stories (see :class:`Filters`), most recently active first.

    Copies count as members, with their own source and times, as in ``stories``.
    """
    ids = _page_of_stories(db, filters)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    summary = {
        row[0]: row[1:]
        for row in db.execute(
            "SELECT story, count(*), group_concat(DISTINCT lang), group_concat(DISTINCT source), "
            "min(at), max(at), max(first_seen) FROM ("
            "SELECT story, lang, source, coalesce(published, first_seen) AS at, first_seen "
            f"FROM articles WHERE story IN ({marks}) UNION ALL "
            "SELECT a.story, a.lang, c.source, coalesce(c.published, c.first_seen), c.first_seen "
            f"FROM copies c JOIN articles a ON a.id = c.original WHERE a.story IN ({marks})"
            ") GROUP BY story",
            [*ids, *ids],
        )
    }
    headlines = _headlines(db, ids)
    return [
        StoryRow(
            story,
            int(summary[story][0]),
            tuple(sorted((summary[story][1] or "").split(",") if summary[story][1] else ())),
            tuple(sorted((summary[story][2] or "").split(",") if summary[story][2] else ())),
            summary[story][3],
            summary[story][4],
            summary[story][5],
            headlines[story],
        )
        for story in ids
    ]


def _headlines(db: sqlite3.Connection, ids: list[str]) -> dict[str, str]:
    """Each story's medoid title by cosine, over its first :data:`HEADLINE_MEMBERS`."""
    found: dict[str, tuple[list[str], list[np.ndarray]]] = {}
    for story in ids:
        rows = db.execute(
            "SELECT title, vector FROM articles WHERE story = ? ORDER BY seq LIMIT ?",
            (story, HEADLINE_MEMBERS),
        ).fetchall()
        found[story] = ([r[0] for r in rows], [np.frombuffer(r[1], np.float32) for r in rows])
    out = {}
    for story, (titles, vectors) in found.items():
        if len(titles) < 3:
            out[story] = titles[0]
            continue
        matrix = np.stack(vectors)
        out[story] = titles[int(np.argmax(matrix @ matrix.mean(axis=0)))]
    return out


class Languages:
    """Every language in the store, for the filter: read once, then only from new rows.

    Thread-safe enough for the desk: a race reads some new rows twice, which changes nothing.
    """

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._last = 0

    def __call__(self, db: sqlite3.Connection) -> list[str]:
        """The languages, sorted, reading the articles stored since the last call."""
        last = self._last
        rows = db.execute(
            "SELECT max(seq), group_concat(DISTINCT lang) FROM articles WHERE seq > ?", (last,)
        ).fetchone()
        if rows[0] is not None:
            self._seen.update(rows[1].split(",") if rows[1] else ())
            self._last = max(self._last, int(rows[0]))
        return sorted(self._seen)


def story_detail(
    db: sqlite3.Connection, story: str, clusterer: StoryClusterer
) -> ClusterResult | None:
    """The story's members with the evidence's representative and confidences; None if absent."""
    articles, vectors = stored_articles(db, story=story)
    if articles.empty:
        return None
    return stored_result(articles, vectors, clusterer)


def merged_into(db: sqlite3.Connection, story: str) -> str | None:
    """Where a story that was merged away went (None: it was not)."""
    row = db.execute("SELECT merged_into FROM stories WHERE id = ?", (story,)).fetchone()
    return None if row is None else row[0]


def story_history(db: sqlite3.Connection, story: str) -> list[dict[str, object]]:
    """The history rows about the story or any of its members, oldest first."""
    columns = ["at", "event", "article", "story", "other", "note", "correction", "undone"]
    corrected = schema_version(db) >= 4
    rows = db.execute(
        "SELECT h.at, h.event, h.article, h.story, h.other, "
        + ("h.note, h.correction, c.undone " if corrected else "NULL, NULL, NULL ")
        + "FROM history h "
        + ("LEFT JOIN corrections c ON c.id = h.correction " if corrected else "")
        + "WHERE h.story = ? OR h.other = ? OR h.article IN "
        "(SELECT id FROM articles WHERE story = ?) ORDER BY h.seq",
        (story, story, story),
    ).fetchall()
    return [dict(zip(columns, row, strict=True)) for row in rows]


def recent_corrections(db: sqlite3.Connection, count: int = 10) -> list[dict[str, object]]:
    """The latest corrections, newest first."""
    table = corrections(db).iloc[::-1].head(count)
    return [
        {str(name): (None if value != value else value) for name, value in row.items()}
        for row in table.to_dict("records")
    ]


def version(db: sqlite3.Connection) -> str:
    """Changes whenever an article is added or a story changes: what live updates watch."""
    row = db.execute(
        "SELECT (SELECT coalesce(max(seq), 0) FROM articles), "
        "(SELECT coalesce(max(seq), 0) FROM history)"
    ).fetchone()
    return f"{row[0]}.{row[1]}"
