"""Progress of long work: tqdm bars on a terminal's stderr or in Jupyter, never in a pipe.

Work on at least :data:`LONG` items (embedding, scoring pairs, grouping) shows a bar when
stderr is a terminal or the code runs in a Jupyter kernel (``tqdm.auto`` draws a widget
there); never when stderr is a pipe or a file, so scripts and tests see nothing. The
environment variable ``SAMESTORY_PROGRESS`` set to ``0`` turns bars off, ``1`` on.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

#: The environment variable that turns bars off (0) or on (1) whatever stderr is.
ENV = "SAMESTORY_PROGRESS"
#: The fewest items a bar is drawn for: smaller work is over before a bar would help.
LONG = 200
Progress = Callable[[int, int], None]
T = TypeVar("T")


def shown() -> bool:
    """True when bars are wanted: ``SAMESTORY_PROGRESS``, else a terminal or Jupyter."""
    setting = os.environ.get(ENV, "").strip().lower()
    if setting in ("0", "off", "false", "no"):
        return False
    if setting in ("1", "on", "true", "yes"):
        return True
    return _in_jupyter() or sys.stderr.isatty()


def _in_jupyter() -> bool:
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return type(shell).__name__ == "ZMQInteractiveShell"


@contextmanager
def bar(label: str, unit: str = "it") -> Iterator[Progress]:
    """A ``progress(done, total)`` callback that draws a bar once ``total`` is long work."""
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = _tqdm(label, total, unit) if total >= LONG and shown() else None
        if state["bar"] is not None:
            state["bar"].update(done - state["bar"].n)

    try:
        yield update
    finally:
        if state.get("bar") is not None:
            state["bar"].close()


@contextmanager
def steps(label: str, total: int, unit: str = "it") -> Iterator[Callable[[int], None]]:
    """An ``advance(count)`` callback for ``total`` items of work, drawn as :func:`bar`."""
    done = 0
    with bar(label, unit) as update:

        def advance(count: int) -> None:
            nonlocal done
            done += count
            update(done, total)

        yield advance


def counted(
    items: Iterable[T], label: str, total: int, size: Callable[[T], int], unit: str = "it"
) -> Iterator[T]:
    """``items`` as they are, drawing a bar of ``total`` that each item advances by its size."""
    with steps(label, total, unit) as advance:
        for item in items:
            yield item
            advance(size(item))


def _tqdm(label: str, total: int, unit: str) -> Any:
    from tqdm.auto import tqdm  # imported when a bar is drawn

    return tqdm(
        total=total, desc=label, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True
    )
