"""What a story store holds, read back: its articles as a table, their stories, the history.

Nothing here writes. Copies (stored content under a new id) are rows of their own, with
their original's title, text, vector and story. A store of a version before extra fields
(opened read-only, so not migrated) reads as having none.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.grouping.clusterer import StoryClusterer
from clustering.grouping.result import ClusterResult
from clustering.grouping.stories import ArticleColumns, make_story, story_order
from clustering.store.database import meta, schema_version
from clustering.store.rows import DamagedRow, extras_of, stamps_of, vectors_of

_NAMES = [
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


def _with_extra(frame: pd.DataFrame, parsed: list[dict]) -> pd.DataFrame:
    """``frame`` with a column for each stored extra field, in the order first seen.

    A field named like one of the frame's own columns gives way to it.
    """
    names = dict.fromkeys(name for fields in parsed for name in fields if name not in frame)
    columns = {
        name: pd.Series([fields.get(name) for fields in parsed], index=frame.index, dtype=object)
        for name in names
    }
    if not columns:
        return frame
    return pd.concat([frame, pd.DataFrame(columns, index=frame.index)], axis=1)


def stored_articles(
    db: sqlite3.Connection, path: Path = Path("store"), story: str | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Articles and copies with their stories, in the order stored, and their vectors.

    A copy comes right after the article it copies, in the order the copies were stored.
    Each stored extra input field is a column. A row that cannot be read is a
    :class:`~clustering.store.rows.DamagedRow` naming ``path`` and the article.
    ``story``: only that story's.
    """
    extra = schema_version(db) >= 3
    where = "" if story is None else " WHERE a.story = ?"
    rows = db.execute(
        "SELECT a.seq, 0, a.id, a.title, a.text, a.published, a.lang, a.source, a.url, "
        f"a.path, a.first_seen, a.story, {'a.extra' if extra else 'NULL'}, a.vector "
        f"FROM articles a{where} UNION ALL "
        "SELECT a.seq, c.rowid, c.id, a.title, a.text, c.published, a.lang, c.source, c.url, "
        f"c.path, c.first_seen, a.story, {'c.extra' if extra else 'NULL'}, a.vector "
        f"FROM copies c LEFT JOIN articles a ON a.id = c.original{where} ORDER BY 1, 2",
        () if story is None else (story, story),
    ).fetchall()
    lost = next((row[2] for row in rows if row[0] is None), None)
    if lost is not None:  # a copy whose original is gone: named, not left out of the export
        raise DamagedRow(path, lost, "original")
    frame = pd.DataFrame([row[2:-2] for row in rows], columns=_NAMES)
    ids = list(frame["id"])
    for column in ("published", "first_seen"):  # some with fractions of a second, some not
        frame[column] = stamps_of(path, ids, list(frame[column]))
    frame["outlier"] = frame["story"].map(frame["story"].value_counts()) == 1
    frame = _with_extra(frame, extras_of(path, ids, [row[-2] for row in rows]))
    dimension = meta(db, "dimension")
    vectors = vectors_of(
        path, ids, [row[-1] for row in rows], int(dimension) if dimension else None
    )
    return frame, vectors


def stored_result(
    articles: pd.DataFrame,
    vectors: np.ndarray,
    clusterer: StoryClusterer,
    since: pd.Timestamp | None = None,
) -> ClusterResult:
    """The stories of stored ``articles`` (as :func:`stored_articles` gives them), largest first.

    ``clusterer``'s evidence picks each story's centre and each member's confidence.
    ``since`` keeps the stories with an article published (or, undated, first seen) at or
    after it. A story of one article is an outlier.
    """
    if since is not None:
        when = articles["published"].fillna(articles["first_seen"])
        keep = articles["story"].isin(set(articles.loc[when >= since, "story"])).to_numpy()
        articles, vectors = articles[keep].reset_index(drop=True), vectors[keep]
    columns = ArticleColumns.of(articles)
    groups = articles.groupby("story", sort=True).indices
    # Stories of two or more need the evidence: to pick their centre (three or more)
    # and for each member's confidence.
    shared = np.concatenate(
        [np.zeros(0, dtype=np.int64), *(i for i in groups.values() if len(i) > 1)]
    )
    position = np.full(len(articles), -1, dtype=np.int64)
    position[shared] = np.arange(len(shared))
    among = clusterer.closeness(articles.iloc[shared], vectors[shared]) if len(shared) else None

    def closeness(indices: np.ndarray) -> object:
        if among is None or len(indices) < 2:
            return np.ones((len(indices), len(indices)))
        return among(position[indices])

    stories = [
        make_story(str(story), np.asarray(indices), len(indices) == 1, columns, closeness)
        for story, indices in groups.items()
    ]
    stories.sort(key=story_order)
    return ClusterResult(articles, stories, embeddings=vectors)


def stored_history(db: sqlite3.Connection) -> pd.DataFrame:
    """Every assignment, correction and merge, oldest first.

    From version 4 on, each row also has its correction's number and note (else missing).
    """
    columns = ["at", "event", "article", "story", "other", "note", "correction"]
    picked = columns if schema_version(db) >= 4 else [*columns[:5], "NULL", "NULL"]
    rows = db.execute(f"SELECT {', '.join(picked)} FROM history ORDER BY seq").fetchall()
    return pd.DataFrame(rows, columns=columns)
