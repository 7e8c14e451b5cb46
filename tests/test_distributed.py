"""The Dask engine on a LocalCluster of two worker processes: same stories as the local path."""

from __future__ import annotations

import os
import sqlite3
import sys

import numpy as np
import pytest

from clustering import StoryClusterer, WindowedClusterer, load_articles
from clustering.cli import main
from clustering.scale.distributed import (
    INSTALL_HINT,
    DaskEmbedder,
    EngineError,
    _one_thread,
    cluster_on_dask,
    cluster_paths_on_dask,
    dask_client,
)
from embeddings import CachedEmbedder, get_embedder
from embeddings.articles import embed_articles
from tests.conftest import SEEDS
from tests.test_windows import dated_seeds


@pytest.fixture(scope="module")
def client():
    """One LocalCluster of two one-threaded worker processes for the whole module."""
    psutil = pytest.importorskip("psutil")
    pytest.importorskip("distributed")
    with dask_client(n_workers=2) as dask:
        workers = dask.run(os.getpid)
        assert len(workers) == 2
        yield dask
    alive = [pid for pid in workers.values() if psutil.pid_exists(pid)]
    assert not [p for p in alive if psutil.Process(p).status() != psutil.STATUS_ZOMBIE]


@pytest.mark.slow  # a LocalCluster of two worker processes
def test_seeds_give_the_same_jsonl_as_the_local_engine(runner, client):
    command = ["cluster", str(SEEDS), "--no-cache", "--format", "jsonl"]
    local = runner.invoke(main, command)
    dask = runner.invoke(
        main, [*command, "--engine", "dask", "--scheduler", client.scheduler.address]
    )
    assert local.exit_code == 0 and dask.exit_code == 0, dask.output
    assert dask.stdout == local.stdout
    assert dask.stderr == ""


@pytest.mark.slow  # a LocalCluster of two worker processes
def test_embedding_on_workers_keeps_order_and_builds_the_model_once_per_worker(client):
    texts = [f"Story number {i} about floods in the north" for i in range(7)]
    vectors = DaskEmbedder(client, "use", chunk_size=2).encode(texts)
    assert np.allclose(vectors, get_embedder("use").encode(texts), atol=1e-6)

    def models() -> list[str]:
        from clustering.scale.distributed import _WORKER_EMBEDDERS

        return list(_WORKER_EMBEDDERS)

    built = list(client.run(models).values())  # e5 too, where a cluster run gave it heads
    assert any("use" in names for names in built)
    assert all(set(names) <= {"use", "e5"} for names in built)


@pytest.mark.slow  # a LocalCluster of two worker processes
def test_seed_stories_equal_the_local_ones_and_cached_vectors_stay_on_the_client(client, tmp_path):
    articles = load_articles([SEEDS]).articles
    local = StoryClusterer(embedder=CachedEmbedder(get_embedder("use"), tmp_path)).fit(articles)
    cached = CachedEmbedder(DaskEmbedder(client, "use"), tmp_path)
    dask = cluster_on_dask(client, articles, embeddings=embed_articles(articles, cached))
    assert cached.hits > 0 and cached.misses == 0
    assert dask.stories_ == local.stories_  # representatives and titles included
    assert dask.articles_.equals(local.articles_)


def _one_thread_here(run, windows):
    """The windows in turn in this process, each with BLAS on one thread as on a worker."""
    return [_one_thread(run, window) for window in windows]


@pytest.mark.data
@pytest.mark.slow  # a LocalCluster of two worker processes
def test_og2021_windows_give_the_same_stories_on_dask_as_here(og2021_fortnight, client):
    """Dask changes where the windows run, not what they find: two weeks of OG2021 dev.

    474 titles in three 7-day windows, each clustered with BLAS on one thread here as on
    a worker. How close the windows come to one fit of all of dev (0.736 BCubed F1
    against 0.732 when measured) is ``benchmarks/dask_bench.py`` (``make bench``).
    """
    articles = load_articles([og2021_fortnight]).articles
    vectors = embed_articles(articles, CachedEmbedder(get_embedder("use")))
    clusterer = StoryClusterer(embedder="use")
    here = WindowedClusterer(clusterer, runner=_one_thread_here).fit(articles, embeddings=vectors)
    dask = cluster_on_dask(client, articles, clusterer, embeddings=vectors)
    assert len(dask.windows_) == 3
    assert [list(rows) for rows in dask.windows_] == [list(rows) for rows in here.windows_]
    assert dask.stories_ == here.stories_
    assert dask.articles_.equals(here.articles_)
    assert sorted(m for s in dask.stories_ for m in s.members) == sorted(articles["id"])


def test_missing_dask_gives_an_install_hint(runner, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(EngineError, match="pip install 'samestory\\[dask\\]'"):
        cluster_paths_on_dask([SEEDS])
    result = runner.invoke(main, ["cluster", str(SEEDS), "--engine", "dask"])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {INSTALL_HINT}\n"


def test_scheduler_needs_the_dask_engine(runner):
    result = runner.invoke(main, ["cluster", str(SEEDS), "--scheduler", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 2
    assert result.stderr == "Error: --scheduler needs --engine dask\n"


@pytest.mark.slow  # a LocalCluster of two worker processes
def test_heads_are_embedded_once_through_the_clients_cache(client, tmp_path):
    """The cascade's heads of full articles go to the workers once, and stay in the cache."""
    articles = dated_seeds()
    clusterer = StoryClusterer(embedder="use")
    here = WindowedClusterer(clusterer, 96, 48).fit(articles)
    dask = cluster_on_dask(
        client, articles, clusterer, cache_dir=tmp_path, partition_hours=96, overlap_hours=48
    )
    assert len(dask.windows_) == 3
    assert dask.stories_ == here.stories_
    assert dask.articles_.equals(here.articles_)
    e5 = get_embedder("e5").version
    with sqlite3.connect(tmp_path / "vectors.sqlite") as db:
        heads = db.execute("SELECT count(*) FROM vectors WHERE model = ?", [e5]).fetchone()[0]
    assert heads == len(articles)  # every seed has a body
