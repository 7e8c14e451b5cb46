"""Threads for the numpy and torch encoders: one core each, BLAS held at one thread.

On two cores, BLAS's own second thread gave little on the small products of an encoder
and, on a busy machine, cost several times what it gave (it waits for a core). The
encoders run instead one Python thread per core, each on its own rows with BLAS at one
thread: e5's rows then get the same bits in any call; USE's depend on the run they are
encoded in, which the texts alone decide (:class:`embeddings.bundled.USEEmbedder`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from threadpoolctl import ThreadpoolController

#: Held while a limit is taken, kept or put back: limits taken and put back in crossed
#: order leave BLAS at the inner one's value for good. Re-entrant: an encoder may run
#: inside :func:`one_thread`.
_LOCK = threading.RLock()
#: The threads inside :func:`one_thread`, and the limits to put back when the last leaves.
_inside = 0
_limiter: Any = None


def cores() -> int:
    """The cores this process may run on (all of them where the OS cannot say)."""
    if hasattr(os, "sched_getaffinity"):  # Linux
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


@lru_cache(maxsize=1)
def threadpools() -> ThreadpoolController:
    """The BLAS and OpenMP thread pools, found once (finding them takes milliseconds)."""
    return ThreadpoolController()


def blas_threads() -> int:
    """BLAS's thread limit now: 1 under a caller's limit (a Dask task, a small store add)."""
    limits = [info["num_threads"] for info in threadpools().select(user_api="blas").info()]
    return max(1, min(limits, default=1))


@contextmanager
def one_core_each(threads: int) -> Iterator[int]:
    """BLAS at one thread meanwhile; yields how many threads may run.

    That is ``threads``, at most the BLAS limit found (1 under a caller's limit). One call
    at a time, so that each puts the limit back as it found it.
    """
    with _LOCK:
        workers = max(1, min(threads, blas_threads()))
        with threadpools().limit(limits=1, user_api="blas"):
            yield workers


@contextmanager
def one_thread() -> Iterator[None]:
    """BLAS and OpenMP at one thread while any thread is inside (a small store add, a Dask task).

    The first thread in takes the limit and the last one out puts it back, so threads that
    leave in another order than they came in (the tasks of a Dask worker with several
    threads) leave BLAS as they found it. Encoders called meanwhile run on one thread too.
    """
    global _inside, _limiter
    with _LOCK:
        if _inside == 0:
            _limiter = threadpools().limit(limits=1)
        _inside += 1
    try:
        yield
    finally:
        with _LOCK:
            _inside -= 1
            if _inside == 0:
                _limiter.restore_original_limits()
                _limiter = None
