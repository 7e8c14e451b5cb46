"""``serve --watch``: poll sources into the store beside the desk, as ``watch`` does.

One background thread keeps its own writing connection and the schedule of
:class:`~clustering.reading.polling.PollSchedule` (intervals, the floor for URLs, backoff
after failures); the page shows each source's last poll, what it added and its failures.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from clustering.reading.fetch import Fetcher
from clustering.reading.limits import ReadOptions, source_name
from clustering.reading.polling import PollSchedule
from clustering.store.assign import Assigner
from clustering.store.store import StoryStore
from embeddings import Embedder


@dataclass(frozen=True)
class SourceStatus:
    """What the page shows of one watched source."""

    source: str
    last_poll: str = ""
    added: int = 0
    polls: int = 0
    failures: int = 0
    failing: bool = False
    problem: str = ""


class Watcher:
    """Polls ``sources`` every ``interval`` seconds into the store at ``path``, in a thread."""

    def __init__(
        self,
        path: Path,
        embedder: Embedder,
        assigner: Assigner,
        sources: Sequence[str],
        interval: float,
        fetcher: Fetcher | None = None,
        reading: ReadOptions | None = None,
    ) -> None:
        self.path, self.embedder, self.assigner = path, embedder, assigner
        self.sources, self.interval = list(sources), interval
        self.fetcher, self.reading = fetcher or Fetcher(), reading
        self._status = {s: SourceStatus(source_name(s)) for s in self.sources}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="samestory-watch", daemon=True)

    def state(self) -> list[SourceStatus]:
        """Each source's status, in the order given."""
        with self._lock:
            return [self._status[s] for s in self.sources]

    def start(self) -> None:
        """Start polling."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the poll under way."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        schedule = PollSchedule(self.sources, self.interval, start=time.monotonic())
        with StoryStore(self.path, self.embedder, self.assigner) as store:
            while not self._stop.is_set() and not schedule.done():
                if self._stop.wait(max(0.0, schedule.next_due() - time.monotonic())):
                    break
                started = time.monotonic()
                for source in schedule.due(started):
                    self._poll(store, schedule, source, started)

    def _poll(self, store: StoryStore, schedule: PollSchedule, source: str, started: float) -> None:
        problem = ""
        added = 0
        try:
            result, loaded = store.add_sources([source], self.fetcher, self.reading)
            added = sum(a.status in ("new", "joined") for a in result.assignments)
            ok = not loaded.skipped or not loaded.articles.empty
            if loaded.skipped:
                problem = str(loaded.skipped[0])
        except Exception as exc:  # a poll that fails must not end the desk
            ok, problem = False, str(exc)
        schedule.record(source, ok=ok, started=started)
        now = pd.Timestamp.now(tz="UTC").tz_localize(None).isoformat()
        with self._lock:
            old = self._status[source]
            self._status[source] = replace(
                old,
                last_poll=now,
                added=old.added + added,
                polls=old.polls + 1,
                failures=old.failures + (not ok),
                failing=not ok,
                problem=problem,
            )
