"""The BLAS limits that encoders and the store set leave BLAS as they found it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from embeddings.threads import blas_threads, one_core_each, one_thread


def test_a_small_store_add_beside_an_encoder_leaves_blas_as_it_was():
    before = blas_threads()
    if before < 2:
        pytest.skip("BLAS runs one thread here: nothing to put back")
    encoding, encoded, adding, added = (threading.Event() for _ in range(4))

    def encoder() -> None:  # the desk's request thread: e5 on a story's articles
        with one_core_each(2):
            encoding.set()
            encoded.wait()

    def store_add() -> None:  # the desk's watch thread: a small add (clustering/store/assign.py)
        with one_thread():
            adding.set()
            added.wait()

    threads = [threading.Thread(target=encoder), threading.Thread(target=store_add)]
    threads[0].start()
    encoding.wait()
    threads[1].start()
    adding.wait(1)  # the add's limit, taken while the encoder holds its own
    encoded.set()
    threads[0].join()
    adding.wait()
    added.set()
    threads[1].join()
    # crossed, the add found the encoder's 1 and put it back for good: every later encode
    # then ran on one thread
    assert blas_threads() == before


def test_an_encoder_inside_a_small_store_add_runs_on_one_thread():
    with one_thread(), one_core_each(2) as workers:  # same thread: no deadlock
        assert workers == 1
        assert blas_threads() == 1


#: Two tasks of a Dask worker with two threads, the first in the first out, in a fresh
#: process: once a thread has set a limit, numpy's OpenBLAS (0.3.31) no longer lets
#: limits set in other threads take effect, so earlier tests here would hide the crossing.
_CROSSED = """
import sys, threading
from clustering.scale.distributed import _one_thread
from embeddings.threads import blas_threads, one_thread

def store(function):
    with one_thread():
        return function()

hold = {"store": store, "dask-task": _one_thread}[sys.argv[1]]
inside = [threading.Event(), threading.Event()]
leave = [threading.Event(), threading.Event()]
seen = []

def task(k):
    inside[k].set()
    leave[k].wait(5)
    seen.append(blas_threads())

before = blas_threads()
threads = [threading.Thread(target=hold, args=(lambda k=k: task(k),)) for k in (0, 1)]
threads[0].start()
inside[0].wait(5)
threads[1].start()
both = inside[1].wait(5)  # a worker's tasks do not wait for each other
leave[0].set()
threads[0].join()
leave[1].set()
threads[1].join()
print(before, both, seen, blas_threads())
"""


@pytest.mark.parametrize("hold", ["store", "dask-task"])
def test_threads_that_leave_in_crossed_order_leave_blas_as_it_was(hold):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "2"}
    ran = subprocess.run(
        [sys.executable, "-c", _CROSSED, hold], capture_output=True, text=True, env=env, check=True
    )
    # crossed, the second task put back the 1 it found: every later task ran on one thread
    assert ran.stdout.split(maxsplit=1) == ["2", "True [1, 1] 2\n"]
