"""Numbers checked where they enter: finite and in range, or one line that says the range.

Every numeric setting of the command line, of :class:`~clustering.StoryClusterer` and of
the reading limits is checked here against its :class:`Bounds`; NaN, infinities and
values out of range are a :class:`~clustering.errors.SettingsError` naming the allowed
range (a NaN compares false with everything, so it slips past a plain range check).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from clustering.errors import SettingsError


def _show(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


@dataclass(frozen=True)
class Bounds:
    """The values a number may take: from ``low`` (excluded if ``low_open``) to ``high``."""

    low: float
    high: float
    low_open: bool = False
    integer: bool = False

    def describe(self) -> str:
        """The allowed range in words: ``a number from 0 to 1``, ``above 0 and at most 60``."""
        kind = "an integer" if self.integer else "a number"
        if self.low_open:
            return f"{kind} above {_show(self.low)} and at most {_show(self.high)}"
        return f"{kind} from {_show(self.low)} to {_show(self.high)}"

    def allows(self, value: float) -> bool:
        """Whether ``value`` is finite, of the right kind and in range."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.integer and not float(value).is_integer():
            return False
        if not math.isfinite(value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high

    def check(self, value: float, name: str) -> float:
        """``value``, or a :class:`SettingsError` ``name: VALUE is not <the range>``."""
        if not self.allows(value):
            raise SettingsError(f"{name}: {value!r} is not {self.describe()}")
        return value


#: P(same story) at which two articles may share a story.
PROBABILITY = Bounds(0.0, 1.0)
#: A cosine distance.
DISTANCE = Bounds(0.0, 2.0)
#: HDBSCAN's min_cluster_size.
CLUSTER_SIZE = Bounds(2, 10**9, integer=True)
#: A count of articles (the cascade's small batch).
COUNT = Bounds(0, 10**9, integer=True)
#: Seconds between the polls of ``watch``: above 0, at most a day.
INTERVAL = Bounds(0.0, 86_400.0, low_open=True)
#: Seconds one fetch may take: above 0, at most an hour.
TIMEOUT = Bounds(0.0, 3_600.0, low_open=True)
#: A size limit in bytes: from 1 byte to 1 TiB.
BYTES = Bounds(1, 2**40, integer=True)
