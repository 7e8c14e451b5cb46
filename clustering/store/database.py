"""The story store's SQLite file: opening it, its schema versions, and one-line errors.

A store is opened either read-only (``mode=ro``: never created, no write access needed,
a WAL reader that does not wait for writers) or for writing, which creates a missing
file and migrates an older schema. ``PRAGMA user_version`` holds the schema version;
:data:`MIGRATIONS` lists the steps from each version to the next. A read-only opener never
migrates: it reads an older store as it is (what later versions added reads as missing).
The model is recorded as users name it (``"use"``, see :mod:`embeddings.base`), not by its
version, with its vector dimension, so upgrading a model's package does not lock its stores.
Stores made before recorded a bundled model by its version without the release
(``"use-multilingual-v3"``); :func:`recorded_as_model` reads that as the model.

Durability: WAL with ``synchronous=NORMAL``. A crash or a kill leaves every committed
add, or none of a batch; a power cut may lose the last adds committed before it, never
corrupt the file.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: Seconds a writer waits for another writer before giving up with a :class:`StoreError`.
BUSY_TIMEOUT = 60.0

_TABLES = """
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

_PROBLEMS = {
    "SQLITE_NOTADB": "not a SQLite database",
    "SQLITE_CORRUPT": "the store is damaged",
    "SQLITE_READONLY": "the store cannot be written (a read-only file or folder)",
    "SQLITE_BUSY": "the store stays locked by another process",
    "SQLITE_LOCKED": "the store stays locked by another process",
    "SQLITE_CANTOPEN": "the store cannot be opened",
    "SQLITE_FULL": "the disk is full",
    "SQLITE_IOERR": "a read or write error",
}


class StoreError(RuntimeError):
    """The store cannot be used (another model, a damaged or locked file); one line."""


def _unwritable(path: Path) -> bool:
    """Whether the store at ``path`` (or its folder) is read-only: by mode or by mount."""
    folder = path.resolve().parent
    try:
        mounted_read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False
    return (
        mounted_read_only
        or not os.access(folder, os.W_OK)
        or (path.exists() and not os.access(path, os.W_OK))
    )


def describe(path: Path, exc: sqlite3.Error) -> str:
    """A one-line account of what ``exc`` means for the store at ``path``.

    SQLite says "unable to open database file" when it cannot make the journal beside a
    store on a read-only mount: that is a store that cannot be written.
    """
    name = "_".join(str(getattr(exc, "sqlite_errorname", "")).split("_")[:2])
    if name == "SQLITE_CANTOPEN" and _unwritable(path):
        name = "SQLITE_READONLY"
    problem = _PROBLEMS.get(name)
    return f"{path}: {problem} ({exc})" if problem else f"{path}: {exc}"


@contextmanager
def translated(path: Path) -> Iterator[None]:
    """Turn any ``sqlite3`` error inside into a one-line :class:`StoreError` about ``path``."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(describe(path, exc)) from exc


#: What stores recorded for the bundled models before they recorded the model itself.
EARLIER_NAMES = {"use-multilingual-v3": "use", "multilingual-e5-small-q4": "e5"}


def recorded_as_model(recorded: str) -> str:
    """The model a store's recorded ``model`` value names, whichever samestory wrote it.

    Schema version 1 recorded the whole version (``name@release``), then the version
    without its release; now the model.
    """
    earlier = recorded.partition("@")[0]
    return EARLIER_NAMES.get(earlier, earlier)


def _tables(db: sqlite3.Connection) -> None:
    """Version 0 to 1: the tables (a store of version 0 may have them already)."""
    for statement in _TABLES.split(";"):
        if statement.strip():
            db.execute(statement)


def _model_by_family(db: sqlite3.Connection) -> None:
    """Version 1 to 2: record the model without its package release, and the dimension."""
    db.execute(
        "UPDATE meta SET value = substr(value, 1, instr(value || '@', '@') - 1) WHERE key = 'model'"
    )
    row = db.execute("SELECT length(vector) FROM articles LIMIT 1").fetchone()
    if row is not None:
        db.execute("INSERT OR IGNORE INTO meta VALUES ('dimension', ?)", (str(row[0] // 4),))


def _extras_and_feeds(db: sqlite3.Connection) -> None:
    """Version 2 to 3: each article's and copy's extra input fields, and the feeds' validators.

    ``extra`` holds the input fields samestory does not use, as a JSON object (NULL: none);
    ``feeds`` holds the ETag and Last-Modified of each feed URL's last good read.
    """
    db.execute("ALTER TABLE articles ADD COLUMN extra TEXT")
    db.execute("ALTER TABLE copies ADD COLUMN extra TEXT")
    db.execute(
        "CREATE TABLE feeds (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, "
        "checked_at TEXT NOT NULL)"
    )


_CORRECTIONS = """
CREATE TABLE corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT,
    undone TEXT
);
CREATE TABLE correction_moves (
    correction INTEGER NOT NULL REFERENCES corrections(id),
    article TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL
);
CREATE TABLE correction_stories (
    correction INTEGER NOT NULL REFERENCES corrections(id),
    story TEXT NOT NULL,
    created INTEGER NOT NULL,
    merged_before TEXT,
    merged_after TEXT
);
CREATE TABLE separations (
    correction INTEGER NOT NULL REFERENCES corrections(id),
    a TEXT NOT NULL,
    b TEXT NOT NULL
);
CREATE INDEX separations_a ON separations(a);
CREATE INDEX separations_b ON separations(b);
CREATE INDEX articles_seen ON articles(first_seen);
CREATE INDEX copies_original ON copies(original);
ALTER TABLE history ADD COLUMN note TEXT;
ALTER TABLE history ADD COLUMN correction INTEGER
"""


def _corrections(db: sqlite3.Connection) -> None:
    """Version 3 to 4: the editor's corrections (:mod:`clustering.store.corrections`).

    ``corrections`` lists each split, merge and separation (``undone``: when taken back);
    ``correction_moves`` and ``correction_stories`` what each changed, so it can be undone;
    ``separations`` the pairs of articles that never share a story while their correction
    stands. History rows gain the correction they belong to and its note. The index on
    ``first_seen`` lists the most recently active stories first without reading them all;
    the one on ``copies.original`` finds a story's copies.
    """
    for statement in _CORRECTIONS.split(";"):
        db.execute(statement)


#: ``MIGRATIONS[v]`` takes a store of version ``v`` to ``v + 1``.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _tables,
    _model_by_family,
    _extras_and_feeds,
    _corrections,
)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite3.Connection) -> int:
    """The schema version of the store ``db`` is connected to."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _version(db: sqlite3.Connection, path: Path, empty_ok: bool) -> int:
    """The schema version, after checking the file is a story store this code can read.

    ``empty_ok`` accepts a database without tables (a store about to be made).
    """
    version = schema_version(db)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: made by a newer samestory (store version {version}, this one knows up "
            f"to {SCHEMA_VERSION}): upgrade samestory"
        )
    names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if (names or not empty_ok) and "articles" not in names:
        raise StoreError(f"{path}: a SQLite database, but not a story store")
    return version


def connect(path: Path, read_only: bool, busy_timeout: float | None = None) -> sqlite3.Connection:
    """A connection to the store at ``path``, checked and (for writing) migrated.

    Read-only, a missing file or one without a store's tables is a :class:`StoreError`.
    For writing, a missing or empty file becomes a store.
    """
    timeout = BUSY_TIMEOUT if busy_timeout is None else busy_timeout
    if read_only and not path.is_file():
        raise StoreError(f"{path}: no such story store")
    with translated(path):
        db = _open_read_only(path, timeout) if read_only else _open_for_writing(path, timeout)
        try:
            db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            if read_only:
                _version(db, path, empty_ok=False)
                return db
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("BEGIN IMMEDIATE")
            try:
                version = _version(db, path, empty_ok=True)
                for step in MIGRATIONS[version:]:
                    step(db)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except BaseException:
            db.close()
            raise
    return db


def _open_for_writing(path: Path, timeout: float) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=timeout, isolation_level=None)


def _open_read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """Open ``path`` read-only; without write access to its folder, as an immutable file.

    A WAL reader needs the ``-shm`` file, which only a writer may create. When no writer
    is connected (no ``-wal`` file) the main file holds everything, so it is read as is.
    """
    uri = path.resolve().as_uri() + "?mode=ro"
    db = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        db.close()
        wal = Path(f"{path}-wal")
        if getattr(exc, "sqlite_errorname", "") not in (
            "SQLITE_READONLY_DIRECTORY",
            "SQLITE_CANTOPEN",
        ) or (wal.exists() and wal.stat().st_size):
            raise
    return sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None)


def meta(db: sqlite3.Connection, key: str) -> str | None:
    """The ``meta`` value of ``key``, or None."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def check_meta(
    db: sqlite3.Connection, path: Path, key: str, value: str, write: bool = False
) -> None:
    """Refuse a store that recorded another ``value`` for ``key`` (the model, the dimension).

    With ``write``, a store without one records ``value``.
    """
    recorded = meta(db, key)
    if recorded is not None and key == "model":
        recorded = recorded_as_model(recorded)
    if recorded is None and write:
        db.execute("INSERT INTO meta VALUES (?, ?)", (key, value))
    elif recorded is not None and recorded != value:
        what = "vectors of" if key == "model" else "vectors of dimension"
        raise StoreError(f"{path} holds {what} {recorded}, not {value}")


def recorded_model(path: Path) -> str | None:
    """The model the store at ``path`` was made with; None if missing or empty."""
    if not path.exists():
        return None
    with translated(path):
        db = _open_read_only(path, BUSY_TIMEOUT)
        try:
            _version(db, path, empty_ok=True)
            names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
            model = meta(db, "model") if "meta" in names else None
        finally:
            db.close()
    return None if model is None else recorded_as_model(model)
