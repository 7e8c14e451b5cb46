"""An on-disk vector cache keyed by model version and content hash, so re-runs do not re-embed.

The table's ``model`` column holds the version (see :mod:`embeddings.base`): the column
keeps its name so that existing caches and stores keep their vectors.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np

from embeddings.base import Embedder

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL,
    digest BLOB NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, digest)
) WITHOUT ROWID
"""
_LOOKUP_CHUNK = 500
_T = TypeVar("_T")


class CacheWarning(UserWarning):
    """The on-disk vector cache cannot be used; the run goes on without it."""


def default_cache_dir() -> Path:
    """``$SAMESTORY_CACHE_DIR``, else ``$XDG_CACHE_HOME/samestory``, else ``~/.cache/samestory``."""
    if os.environ.get("SAMESTORY_CACHE_DIR"):
        return Path(os.environ["SAMESTORY_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "samestory"


def content_digest(text: str) -> bytes:
    """SHA-256 of the UTF-8 text: the cache key within one model version."""
    return hashlib.sha256(text.encode("utf-8")).digest()


class CachedEmbedder:
    """Wraps an :class:`~embeddings.base.Embedder` with a SQLite vector cache.

    Only texts not seen before with the same model version are sent to the wrapped embedder,
    each distinct text once. ``hits`` and ``misses`` count texts served from and added to
    the cache since construction. The vectors live in ``directory``'s ``vectors.sqlite``,
    or, with ``connection``, in a ``vectors`` table of that database (a story store keeps
    its articles' second-model vectors so); the caller then owns its transactions and
    its errors. A disk cache that cannot be used gives one :class:`CacheWarning`, and
    the texts are embedded without it.
    """

    #: Seconds to wait for another process writing the disk cache before going on without it.
    busy_timeout = 30.0

    def __init__(
        self,
        embedder: Embedder,
        directory: str | os.PathLike[str] | None = None,
        connection: sqlite3.Connection | None = None,
    ) -> None:
        self.embedder = embedder
        self.connection = connection
        self.model = embedder.model
        self.version = embedder.version
        self.max_distance = embedder.max_distance
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.path = self.directory / "vectors.sqlite"
        self.hits = 0
        self.misses = 0
        self.broken = False

    def sharing(self, embedder: Embedder) -> CachedEmbedder:
        """``embedder`` cached where this one keeps its vectors, through every layer.

        A cache in a connection over a cached embedder (a story store over the disk cache)
        gives the same two layers for ``embedder``.
        """
        if isinstance(self.embedder, CachedEmbedder):
            embedder = self.embedder.sharing(embedder)
        return CachedEmbedder(embedder, self.directory, self.connection)

    def _use(self, action: Callable[[sqlite3.Connection], _T]) -> _T | None:
        """``action`` on the cache's database; None when the disk cache is unusable.

        A disk cache that is not SQLite, damaged, read-only or locked beyond
        :attr:`busy_timeout` gives one :class:`CacheWarning` and is not tried again.
        """
        if self.connection is not None:
            self.connection.execute(_SCHEMA)
            return action(self.connection)
        if self.broken:
            return None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=self.busy_timeout)
            try:
                with connection:
                    connection.execute("PRAGMA journal_mode=WAL")
                    connection.execute(_SCHEMA)
                    return action(connection)
            finally:
                connection.close()
        except (sqlite3.Error, OSError) as exc:
            self.broken = True
            warnings.warn(
                f"the vector cache {self.path} cannot be used ({exc}); going on without it",
                CacheWarning,
                stacklevel=3,
            )
            return None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for ``texts``, from the cache where present."""
        digests = [content_digest(text) for text in texts]
        found = self._use(lambda db: self._lookup(db, sorted(set(digests)))) or {}
        missing: dict[bytes, str] = {}
        for digest, text in zip(digests, texts, strict=True):
            if digest not in found and digest not in missing:
                missing[digest] = text
        if missing:
            fresh = np.asarray(self.embedder.encode(list(missing.values())), dtype=np.float32)
            self._use(lambda db: self._write(db, list(missing), fresh, self.version))
            found.update(zip(missing, fresh, strict=True))
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if not texts:
            return self.embedder.encode([])
        return np.stack([found[digest] for digest in digests])

    def put(self, texts: Sequence[str], vectors: np.ndarray, version: str | None = None) -> None:
        """Keep ``vectors`` made elsewhere as the vectors of ``texts`` of this model's version.

        ``version``: of another model's version instead (for an embedder that shares this
        cache, see :meth:`sharing`).
        """
        digests = [content_digest(text) for text in texts]
        vectors = np.asarray(vectors, dtype=np.float32)
        self._use(lambda db: self._write(db, digests, vectors, version or self.version))

    def _write(
        self,
        connection: sqlite3.Connection,
        digests: list[bytes],
        vectors: np.ndarray,
        version: str,
    ) -> None:
        rows = [(version, d, v.tobytes()) for d, v in zip(digests, vectors, strict=True)]
        connection.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)

    def _lookup(
        self, connection: sqlite3.Connection, digests: list[bytes]
    ) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        for start in range(0, len(digests), _LOOKUP_CHUNK):
            chunk = digests[start : start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT digest, vector FROM vectors WHERE model = ? AND digest IN ({marks})"
            for digest, blob in connection.execute(query, [self.version, *chunk]):
                found[digest] = np.frombuffer(blob, dtype=np.float32)
        return found
