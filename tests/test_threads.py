"""The BLAS limits that encoders and the store set leave BLAS as they found it."""

from __future__ import annotations

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
