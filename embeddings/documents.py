"""Long articles as vectors: the title and the lead weigh in, and the whole body is chunked.

Nothing is cut: every sentence of the body lands in some chunk, and the body vector is the
mean of the chunk vectors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from embeddings.base import Embedder, normalize

#: Characters per chunk of a body; the first chunk is the article's lead.
CHUNK_CHARS = 600

#: Texts per call to an embedder's ``encode``: the local and Dask paths batch alike, so
#: they give the same vectors.
BATCH_SIZE = 256

_SENTENCE_END = re.compile(r"(?<=[.!?…。！？؟])\s+|\n+")


@dataclass(frozen=True)
class DocumentPieces:
    """The texts one article is embedded from."""

    title: str
    chunks: tuple[str, ...]

    @property
    def lead(self) -> str:
        """The first chunk of the body, or an empty string."""
        return self.chunks[0] if self.chunks else ""


def _pack(pieces: Iterable[str], limit: int) -> list[str]:
    """Join pieces with spaces into runs of at most ``limit`` characters, in order."""
    packed: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(current) + 1 + len(piece) > limit:
            packed.append(current)
            current = piece
        else:
            current = f"{current} {piece}" if current else piece
    if current:
        packed.append(current)
    return packed


def _pieces(sentence: str, limit: int) -> list[str]:
    """A sentence, or its words (long words cut) when it is longer than ``limit``."""
    if len(sentence) <= limit:
        return [sentence]
    return _pack(
        (w[i : i + limit] for w in sentence.split() for i in range(0, len(w), limit)), limit
    )


def chunk_text(text: str, chunk_chars: int = CHUNK_CHARS) -> list[str]:
    """Pack whole sentences into chunks of at most ``chunk_chars`` characters; split longer ones."""
    sentences = (" ".join(raw.split()) for raw in _SENTENCE_END.split(text))
    return _pack((piece for s in sentences if s for piece in _pieces(s, chunk_chars)), chunk_chars)


def encode_in_batches(
    embedder: Embedder,
    texts: Sequence[str],
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """``embedder.encode`` in batches, calling ``progress(done, total)`` after each one."""
    batches = []
    for start in range(0, len(texts), batch_size):
        batch = list(texts[start : start + batch_size])
        batches.append(np.asarray(embedder.encode(batch), dtype=np.float32))
        if progress is not None:
            progress(start + len(batch), len(texts))
    if not batches:
        return np.zeros((0, 1), dtype=np.float32)
    return np.concatenate(batches)


def lead(text: str, chunk_chars: int = CHUNK_CHARS) -> str:
    """The lead of a text: its first chunk of whole sentences (see :func:`chunk_text`)."""
    chunks = chunk_text(text, chunk_chars)
    return chunks[0] if chunks else ""


def split_document(title: str, text: str, chunk_chars: int = CHUNK_CHARS) -> DocumentPieces:
    """The title and the body chunks of one article."""
    return DocumentPieces(
        title=" ".join(title.split()), chunks=tuple(chunk_text(text, chunk_chars))
    )


@dataclass(frozen=True)
class DocumentEncoder:
    """Embeds articles as a weighted mean of title, lead and body (mean of all chunks).

    Missing parts drop out and the remaining weights are used as they are; the result is
    L2-normalised.
    """

    embedder: Embedder
    title_weight: float = 0.4
    lead_weight: float = 0.3
    body_weight: float = 0.3
    chunk_chars: int = CHUNK_CHARS
    batch_size: int = BATCH_SIZE

    def encode(
        self,
        titles: Sequence[str],
        texts: Sequence[str],
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """One vector per article; ``progress(done, total)`` follows the pieces embedded."""
        documents = [
            split_document(t, x, self.chunk_chars) for t, x in zip(titles, texts, strict=True)
        ]
        pieces: list[str] = []
        for document in documents:
            if document.title:
                pieces.append(document.title)
            pieces.extend(document.chunks)
        vectors = encode_in_batches(self.embedder, pieces, self.batch_size, progress)
        return self._combine(documents, vectors)

    def _combine(self, documents: list[DocumentPieces], vectors: np.ndarray) -> np.ndarray:
        out = np.zeros((len(documents), vectors.shape[1]), dtype=np.float32)
        row = 0
        for i, document in enumerate(documents):
            if document.title:
                out[i] += self.title_weight * vectors[row]
                row += 1
            n = len(document.chunks)
            if n:
                chunk_vectors = vectors[row : row + n]
                out[i] += self.lead_weight * chunk_vectors[0]
                out[i] += self.body_weight * chunk_vectors.mean(axis=0)
                row += n
        return normalize(out)
