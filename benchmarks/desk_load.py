"""Load on the desk: the story list under 20 concurrent readers while ``add`` writes each second.

Run from the repository root (needs the desk extra):

    python -m benchmarks.desk_load [--size 100000] [--readers 20] [--seconds 60] [--batch 5]

The store is synthetic: ``--size`` articles written in bulk (titles ``kNNNNN word``, three
per story on average, over 30 days, 8 languages and 20 sources) with 64-dimensional fake
vectors (the story key's hashed direction plus noise), under a fake embedder that makes
the same kind of vector from a title. The desk (``serve``'s app on uvicorn, one worker)
runs in its own process. ``--readers`` threads each keep a connection and fetch the story
list (``/``) again and again, while one writer adds ``--batch`` new articles every second
through ``StoryStore.add`` (placement included, with plain cosine: no pair model). At the
end: the latency percentiles of the list, every written id stored exactly once with one
``assign`` in the history, and ``PRAGMA integrity_check``.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from clustering import StoryClusterer, articles_from_records
from clustering.store.assign import Assigner
from clustering.store.store import StoryStore, article_digest
from embeddings import EmbedderBase

DIMENSION = 64
LANGUAGES = ("en", "fr", "de", "es", "ru", "tr", "fa", "az")


def _direction(key: str) -> np.ndarray:
    seed = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
    vector = np.random.default_rng(seed).standard_normal(DIMENSION)
    return vector / np.linalg.norm(vector)


class KeyEmbedder(EmbedderBase):
    """A fake model: a title ``kNNNNN …`` points along its key's direction (plus noise)."""

    name = "desk-load-fake@1"

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit vector per text."""
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for row, text in enumerate(texts):
            key = text.split()[0] if text.split() else ""
            noise = np.random.default_rng(abs(hash(text)) % 2**32).standard_normal(DIMENSION)
            vector = _direction(key) + 0.05 * noise
            out[row] = vector / np.linalg.norm(vector)
        return out


def _assigner() -> Assigner:
    return Assigner(clusterer=StoryClusterer(pair_model=None, max_distance=0.2))


def build(path: Path, size: int, seed: int = 7) -> None:
    """Write ``size`` synthetic articles and their stories in bulk."""
    StoryStore(path, KeyEmbedder(), _assigner()).close()
    rng = np.random.default_rng(seed)
    stories = max(1, size // 3)
    start = pd.Timestamp("2026-01-01")
    db = sqlite3.connect(path)
    with db:
        db.executemany(
            "INSERT INTO stories (id, created) VALUES (?, ?)",
            [(f"st{n:06d}", start.isoformat()) for n in range(1, stories + 1)],
        )
        db.execute("INSERT OR REPLACE INTO meta VALUES ('next_story', ?)", (str(stories + 1),))
        db.execute("INSERT OR REPLACE INTO meta VALUES ('dimension', ?)", (str(DIMENSION),))
        rows = []
        for n in range(size):
            story = int(rng.integers(1, stories + 1))
            title = f"k{story:06d} report {n} {rng.choice(['live', 'update', 'video'])}"
            seen = start + pd.Timedelta(minutes=int(rng.integers(0, 30 * 24 * 60)))
            noise = rng.standard_normal(DIMENSION) * 0.05
            vector = _direction(f"k{story:06d}") + noise
            rows.append(
                (
                    f"a{n:07d}",
                    article_digest(title, ""),
                    title,
                    "",
                    seen.isoformat(),
                    float((seen - pd.Timestamp("1970-01-01")) / pd.Timedelta(hours=1)),
                    LANGUAGES[n % len(LANGUAGES)],
                    f"source-{n % 20}",
                    seen.isoformat(),
                    f"st{story:06d}",
                    (vector / np.linalg.norm(vector)).astype(np.float32).tobytes(),
                )
            )
        db.executemany(
            "INSERT INTO articles (id, digest, title, text, published, hours, lang, source, "
            "first_seen, story, vector) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
    db.close()


def serve(path: Path, port: int) -> None:
    """The desk over ``path`` on uvicorn (run in its own process)."""
    import uvicorn

    from clustering.desk.app import Desk, make_app

    desk = Desk(path, KeyEmbedder(), _assigner())
    uvicorn.run(make_app(desk), host="127.0.0.1", port=port, log_level="warning")


def _reader(port: int, stop: threading.Event, times: list[float], errors: list[str]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        began = time.perf_counter()
        try:
            connection.request("GET", "/")
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(str(response.status))
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        times.append(time.perf_counter() - began)


def _writer(
    path: Path, stop: threading.Event, batch: int, written: list[str], adds: list[float]
) -> None:
    rng = np.random.default_rng(11)
    with StoryStore(path, KeyEmbedder(), _assigner()) as store:
        round_ = 0
        next_at = time.monotonic()
        while not stop.is_set():
            now = pd.Timestamp("2026-01-31") + pd.Timedelta(seconds=round_)
            records = [
                {
                    "id": f"new-{round_}-{i}",
                    "title": f"k{int(rng.integers(1, 1000)):06d} fresh {round_} {i}",
                    "published": now.isoformat(),
                }
                for i in range(batch)
            ]
            began = time.perf_counter()
            store.add(articles_from_records(records).articles)
            adds.append(time.perf_counter() - began)
            written.extend(r["id"] for r in records)
            round_ += 1
            next_at += 1.0
            stop.wait(max(0.0, next_at - time.monotonic()))


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(size: int, readers: int, seconds: float, batch: int) -> None:
    """Build, serve, load, check; print a Markdown summary."""
    folder = Path(tempfile.mkdtemp(prefix="desk-load-"))
    path = folder / "desk.db"
    began = time.perf_counter()
    build(path, size)
    print(f"built {size:,} articles in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.desk_load", "--serve", str(path), "--port", str(port)],
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    try:
        for _ in range(600):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/")
                break
            except OSError:
                time.sleep(0.1)
        stop = threading.Event()
        times: list[list[float]] = [[] for _ in range(readers)]
        errors: list[str] = []
        written: list[str] = []
        adds: list[float] = []
        threads = [
            threading.Thread(target=_reader, args=(port, stop, times[i], errors))
            for i in range(readers)
        ]
        threads.append(threading.Thread(target=_writer, args=(path, stop, batch, written, adds)))
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait()
    latencies = np.array([t for chunk in times for t in chunk]) * 1000
    with sqlite3.connect(path) as db:
        marks = ",".join("?" * len(written))
        stored = db.execute(
            f"SELECT count(*), count(DISTINCT id) FROM articles WHERE id IN ({marks})", written
        ).fetchone()
        assigned = db.execute(
            f"SELECT count(*) FROM history WHERE event = 'assign' AND article IN ({marks})",
            written,
        ).fetchone()[0]
        total = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
    print(
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(
        f"- store: {size:,} synthetic articles (+{len(written)} written during the run = {total:,})"
    )
    print(
        f"- story list `/`: {len(latencies):,} requests by {readers} readers in {seconds:g} s; "
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, max {latencies.max():.0f} ms; "
        f"{len(errors)} errors"
    )
    print(
        f"- writes: {len(adds)} adds of {batch} (one a second), each "
        f"{np.median(adds) * 1000:.0f} ms median, {max(adds) * 1000:.0f} ms max; "
        f"written {len(written)}, stored {stored[0]} "
        f"({stored[1]} distinct), assign rows {assigned}"
    )
    print(f"- PRAGMA integrity_check: {integrity}")


def main() -> None:
    """Parse the options and run (or, with --serve, be the server process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=8750, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.serve, options.port)
        return
    run(options.size, options.readers, options.seconds, options.batch)


if __name__ == "__main__":
    main()
