"""The Dask engine: embedding and windowed clustering on a Dask distributed cluster.

A :func:`dask_client` connects to a scheduler, or starts a LocalCluster of one-threaded
worker processes. Embedding is split into chunks that workers embed with the model they
build by name (once per worker process; the bundled models ship in installed packages, so
workers download nothing); the on-disk vector cache is read and written on the client, so
only texts it lacks go to the workers. The cascade's second model embeds the heads the
whole batch gives it the same way, once for all windows. Clustering runs one task per
time window (:mod:`clustering.scale.windows`), and the windows are merged on the client.

Dask is optional (``pip install 'samestory[dask]'``); it is imported only when used.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from clustering.grouping.clusterer import StoryClusterer, as_article_table
from clustering.grouping.result import ClusterResult
from clustering.reading.fetch import Fetcher
from clustering.reading.limits import ReadOptions
from clustering.reading.loaders import load_articles
from clustering.scale.windows import PARTITION_HOURS, PARTITION_OVERLAP_HOURS, WindowedClusterer
from embeddings import DEFAULT_MODEL, CachedEmbedder, Embedder, get_embedder, install_hint
from embeddings.articles import embed_articles
from embeddings.documents import BATCH_SIZE
from embeddings.threads import one_thread

INSTALL_HINT = f"the dask engine needs Dask distributed: {install_hint('dask')}"
#: Texts per embedding task; the local path embeds in batches of the same size.
CHUNK_SIZE = BATCH_SIZE
_CHUNKS_PER_CALL = 8
_LOGGERS = ("distributed", "tornado", "bokeh", "asyncio")

_WORKER_EMBEDDERS: dict[str, Embedder] = {}


class EngineError(RuntimeError):
    """The Dask engine cannot run: Dask is missing or the scheduler cannot be reached."""


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise EngineError(INSTALL_HINT) from exc
    return distributed


@contextmanager
def _quiet() -> Iterator[None]:
    """Keep Dask's warnings and log lines off stderr while the client lives."""
    levels = {name: logging.getLogger(name).level for name in _LOGGERS}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in _LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        try:
            yield
        finally:
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)


#: How long a Client keeps trying to reach a scheduler before it gives up.
CONNECT_TIMEOUT = "10s"


@contextmanager
def dask_client(scheduler: str | None = None, n_workers: int = 2) -> Iterator[Any]:
    """A Dask ``Client``: to ``scheduler``, else to a LocalCluster of ``n_workers`` processes.

    Local workers have one thread each and no dashboard. Client and cluster are closed on
    exit; Dask's log lines and warnings are kept off stderr meanwhile.
    """
    distributed = _distributed()
    with _quiet():
        if scheduler:
            try:
                client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
            except OSError as exc:
                _close_half_built(distributed.Client, exc)
                raise EngineError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
            except (ValueError, TypeError) as exc:  # distributed's address parsing
                _close_half_built(distributed.Client, exc)
                raise EngineError(f"bad Dask scheduler address {scheduler!r}: {exc}") from exc
            with client:
                yield client
            return
        with (
            distributed.LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.CRITICAL,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client


def _close_half_built(client_type: Any, exc: BaseException) -> None:
    """Close the Client whose ``__init__`` raised ``exc``, now.

    Left alone, it lives on (its loop holds its callbacks) until some garbage collection
    runs its ``__del__``, which closes its loop runner under a lock that the next Client's
    start may hold at that moment: the process then hung for good (a bad address, then
    another Dask run in the same process). Its ``__init__`` frame is in the traceback. One
    that could not reach its scheduler has closed itself already, all but its loop's thread,
    which ``close`` then leaves running: it is stopped too.
    """
    tb = exc.__traceback__
    while tb is not None:
        half_built = tb.tb_frame.f_locals.get("self")
        if isinstance(half_built, client_type):
            half_built.close()
            runner = getattr(half_built, "_loop_runner", None)
            if runner is not None:
                runner.stop()
            return
        tb = tb.tb_next


def _one_thread(function: Callable[..., Any], *args: Any) -> Any:
    """Runs on a worker: ``function`` with BLAS and OpenMP on one thread.

    A worker runs one task per thread already; letting each task's BLAS spread over
    every core too oversubscribes the machine (embedding ran ~2× slower). The limit is put
    back when the worker's last task leaves, whatever order its threads end in.
    """
    with one_thread():
        return function(*args)


def _encode_on_worker(model: str, texts: list[str]) -> np.ndarray:
    """Runs on a worker: the model is built by name once per worker process."""
    embedder = _WORKER_EMBEDDERS.get(model)
    if embedder is None:
        embedder = _WORKER_EMBEDDERS[model] = get_embedder(model)
    return np.asarray(embedder.encode(texts), dtype=np.float32)


class DaskEmbedder:
    """An :class:`~embeddings.Embedder` whose ``encode`` runs on Dask workers, in chunks.

    It has the local model's ``model``, ``version`` (so the vector cache is shared with the
    local path) and ``max_distance``; workers make the model by its ``model``.
    """

    def __init__(self, client: Any, model: str = DEFAULT_MODEL, chunk_size: int = CHUNK_SIZE):
        self.client = client
        self.chunk_size = chunk_size
        self._local = get_embedder(model)
        self.model = self._local.model
        self.version = self._local.version
        self.max_distance = self._local.max_distance

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for ``texts``, in their order."""
        if not texts:
            return self._local.encode([])
        chunks = [
            list(texts[i : i + self.chunk_size]) for i in range(0, len(texts), self.chunk_size)
        ]
        futures = self.client.map(
            _one_thread,
            [_encode_on_worker] * len(chunks),
            [self.model] * len(chunks),
            chunks,
            pure=False,
        )
        return np.concatenate(self.client.gather(futures))


def embed_on_dask(
    client: Any,
    articles: pd.DataFrame,
    model: str = DEFAULT_MODEL,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """One vector per article row, embedded on the workers (through the cache on the client).

    Articles are embedded sorted by id, in the batches the local path uses, so both give
    the same vectors.
    """
    embedder: Embedder = DaskEmbedder(client, model)
    if cache:
        embedder = CachedEmbedder(embedder, cache_dir)
    order = np.argsort(articles["id"].to_numpy(dtype=str), kind="stable")
    vectors = embed_articles(
        articles.iloc[order], embedder, progress, batch_size=CHUNK_SIZE * _CHUNKS_PER_CALL
    )
    out = np.empty_like(vectors)
    out[order] = vectors
    return out


def dask_runner(client: Any) -> Callable[[Callable[..., Any], Sequence[Any]], Iterable[Any]]:
    """A ``map`` that scatters the items to the workers and runs one task per item there."""

    def run(function: Callable[..., Any], items: Sequence[Any]) -> list[Any]:
        futures = client.scatter(list(items))
        tasks = client.map(_one_thread, [function] * len(futures), futures, pure=False)
        return client.gather(tasks)

    return run


def _model(clusterer: StoryClusterer) -> str:
    """The model of ``clusterer`` (``"use"``): workers make it by that name."""
    embedder = clusterer.embedder
    if embedder is None:
        return DEFAULT_MODEL
    if isinstance(embedder, str):
        return embedder
    raise ValueError(
        "the Dask engine builds the model by name on its workers: give the clusterer "
        "the model (StoryClusterer(embedder='use')), not an embedder object"
    )


def cluster_on_dask(
    client: Any,
    articles: pd.DataFrame | Sequence[str],
    clusterer: StoryClusterer | None = None,
    embeddings: np.ndarray | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    partition_hours: float = PARTITION_HOURS,
    overlap_hours: float = PARTITION_OVERLAP_HOURS,
) -> WindowedClusterer:
    """Embed (unless ``embeddings`` are given) and cluster ``articles`` on ``client``'s workers.

    ``clusterer`` is the :class:`StoryClusterer` each window gets a copy of, with its model
    by name (default settings when None); returns the fitted
    :class:`~clustering.scale.windows.WindowedClusterer`.
    """
    clusterer = clusterer if clusterer is not None else StoryClusterer(embedder=DEFAULT_MODEL)
    model = _model(clusterer)
    table = as_article_table(articles)
    if embeddings is None:
        embeddings = embed_on_dask(client, table, model, cache, cache_dir, progress)

    def heads(name: str) -> Embedder:  # the cascade's second model, on the workers too
        embedder: Embedder = DaskEmbedder(client, name)
        return CachedEmbedder(embedder, cache_dir) if cache else embedder

    windowed = WindowedClusterer(
        clusterer, partition_hours, overlap_hours, dask_runner(client), heads
    )
    return windowed.fit(table, embeddings=embeddings)


def cluster_paths_on_dask(
    paths: Iterable[str | os.PathLike[str]],
    clusterer: StoryClusterer | None = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    skip_bad: bool = False,
    fetcher: Fetcher | None = None,
    reading: ReadOptions | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ClusterResult:
    """Read ``paths`` (as ``reading`` says) and cluster their articles on Dask.

    See :func:`cluster_on_dask`. ``scheduler`` is a Dask scheduler address; without one a
    LocalCluster of ``n_workers`` processes runs for this call. Feed URLs are fetched here
    by ``fetcher``. Raises :class:`InputError` for bad input unless ``skip_bad``, and
    :class:`EngineError` when Dask cannot run (it is missing, or the scheduler address is
    malformed or unreachable).
    """
    _distributed()
    loaded = load_articles(paths, skip_bad=skip_bad, fetcher=fetcher, reading=reading)
    with dask_client(scheduler, n_workers) as client:
        fitted = cluster_on_dask(
            client, loaded.articles, clusterer, cache=cache, cache_dir=cache_dir, progress=progress
        )
    return ClusterResult(fitted.articles_, fitted.stories_, loaded.skipped)
