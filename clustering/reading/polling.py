"""When each source of a ``watch`` is due: its interval, a floor for URLs, backoff after errors.

Every source is polled every ``interval`` seconds, a URL at most once every
:data:`MIN_URL_INTERVAL` seconds whatever the interval asked. After ``k`` failures in a row a
source waits ``2**k`` intervals (at most :data:`MAX_BACKOFF` seconds, or one interval if that
is longer) before it is polled again; one success brings it back to its interval. The
schedule also counts each source's polls and successes, so that a source that failed on
every poll can be named at the end. Standard input (``-``) can be read once: it is polled
at the first poll only, and a watch of nothing else then ends.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from clustering.reading.feeds import is_url
from clustering.reading.limits import STDIN

MIN_URL_INTERVAL = 60.0
MAX_BACKOFF = 3600.0


@dataclass
class SourceState:
    """One source's place in the schedule and its record so far."""

    interval: float
    due: float = 0.0
    failures_in_a_row: int = 0
    polls: int = 0
    successes: int = 0


class PollSchedule:
    """The due times of a ``watch``'s sources (times in seconds, from any monotonic clock)."""

    def __init__(
        self,
        sources: Iterable[str],
        interval: float,
        min_url_interval: float = MIN_URL_INTERVAL,
        max_backoff: float = MAX_BACKOFF,
        start: float = 0.0,
    ) -> None:
        self.max_backoff = max_backoff
        self.sources = {
            source: SourceState(max(interval, min_url_interval) if is_url(source) else interval)
            for source in sources
        }
        for state in self.sources.values():
            state.due = start

    def next_due(self) -> float:
        """The earliest time a source is due."""
        return min(state.due for state in self.sources.values())

    def due(self, now: float) -> list[str]:
        """The sources due at ``now``, in the order they were given."""
        return [source for source, state in self.sources.items() if state.due <= now]

    def record(self, source: str, ok: bool, started: float) -> None:
        """Note how ``source``'s poll begun at ``started`` went, and set its next due time."""
        state = self.sources[source]
        state.polls += 1
        if source == STDIN:
            state.successes += ok
            state.due = math.inf
            return
        if ok:
            state.successes += 1
            state.failures_in_a_row = 0
            state.due = started + state.interval
            return
        state.failures_in_a_row += 1
        backoff = state.interval * 2**state.failures_in_a_row
        state.due = started + min(backoff, max(self.max_backoff, state.interval))

    def done(self) -> bool:
        """Whether no source will be due again (standard input alone, once read)."""
        return self.next_due() == math.inf

    def always_failed(self) -> dict[str, int]:
        """The sources polled at least once that never succeeded, with their number of polls."""
        return {
            source: state.polls
            for source, state in self.sources.items()
            if state.polls and not state.successes
        }
