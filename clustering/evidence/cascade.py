"""The evidence cascade: the fast model everywhere, a second model where it pays.

USE (the default model) is fast but covers 16 languages, and on its own its cosine tells
same-day headlines of one story from different stories less well than multilingual-e5's
(measured on OG2021 dev pairs). e5 costs about seven times more per text. So every pair
gets the first-order pair model over the fast model's evidence, and the pairs where both
articles also have an e5 vector get the second pair model, which reads the e5 cosine
(``cos2``) as well. Which articles get the e5 vector:

- every article of a batch of at most :data:`SMALL_BATCH` articles: there one pair's own
  evidence decides, and the cost is small;
- in larger batches, the articles in languages the fast model does not cover, and for
  each of them its :data:`NEIGHBOURS` nearest articles (by the fast model's vector) within
  the time window, so it has partners to be compared with.

Only headlines get the second vector for now: the second pair model was calibrated on
OG2021 headline pairs, and e5 cosines of longer texts run higher (different events with
a body scored P ≈ 0.9), so an article with a body keeps the first-order model. The
second vector is of the head (the title, and the first sentences of a body,
:data:`HEAD_CHARS` characters at most), ready for a model calibrated on full texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.evidence.model import PairModel
from embeddings import Embedder, encode_in_batches, lead

#: Batches up to this size get the second model's vector for every article (the
#: default of ``StoryClusterer(second_up_to=...)``).
SMALL_BATCH = 300

#: In larger batches, how many nearest articles an uncovered-language article brings along.
NEIGHBOURS = 20

#: Characters of the body (whole sentences) that go with the title into the second vector.
HEAD_CHARS = 300


@dataclass(frozen=True)
class Cascade:
    """The first-order pair model, and the one for pairs with both second vectors."""

    base: PairModel
    second: PairModel | None = None

    def models(self) -> tuple[PairModel, ...]:
        """The models, numbered as :meth:`model_of` numbers them."""
        return (self.base,) if self.second is None else (self.base, self.second)

    def model_of(self, features: dict[str, np.ndarray]) -> np.ndarray:
        """Which model scores each pair: 0 the base one, 1 the second one."""
        both = features.get("both2")
        if self.second is None or both is None:
            return np.zeros(features["cos"].shape, dtype=np.int8)
        return both.astype(np.int8)

    def scores(self, features: dict[str, np.ndarray]) -> np.ndarray:
        """P(same story): the second model's where both articles have a second vector."""
        probability = self.base.scores(features)
        both = features.get("both2")
        if self.second is not None and both is not None and both.any():
            probability = np.where(both, self.second.scores(features), probability)
        return probability.astype(np.float32)


def head_text(title: str, text: str) -> str:
    """What the second model reads of an article: its title and the start of its body."""
    return " ".join(f"{title}\n{lead(text, HEAD_CHARS)}".split())


def covered_languages(embedder: Embedder) -> frozenset[str] | None:
    """The languages an embedder covers (ISO 639-1), or None when it names none (all)."""
    languages = getattr(embedder, "languages", None)
    return frozenset(languages) if languages is not None else None


def second_rows(
    langs: Sequence[object],
    headline_only: np.ndarray,
    covered: frozenset[str] | None,
    vectors: np.ndarray,
    hours: np.ndarray,
    window_hours: float,
    all_up_to: int = SMALL_BATCH,
) -> np.ndarray:
    """The articles that get the second model's vector, as sorted row indices.

    Only articles that are a headline alone (``headline_only``) get one: the second pair
    model is calibrated on headlines. Of those, every one when there are at most
    ``all_up_to`` articles; else those in languages outside ``covered`` (None: all
    covered) and their nearest articles in the time window.
    """
    n = len(langs)
    if n <= all_up_to:
        return np.flatnonzero(headline_only)
    if covered is None:
        return np.zeros(0, dtype=np.int64)
    outside = np.flatnonzero(
        [isinstance(lang, str) and bool(lang) and lang not in covered for lang in langs]
        & headline_only
    )
    chosen = [outside]
    for start in range(0, len(outside), 512):
        rows = outside[start : start + 512]
        similarity = vectors[rows] @ vectors.T
        gap = np.abs(hours[rows][:, None] - hours[None, :])
        similarity[gap > window_hours] = -np.inf
        similarity[np.arange(len(rows)), rows] = -np.inf
        count = min(NEIGHBOURS, n - 1)
        near = np.argpartition(-similarity, count - 1, axis=1)[:, :count]
        reachable = np.take_along_axis(similarity, near, axis=1) > -np.inf
        chosen.append(near[reachable])
    rows = np.unique(np.concatenate(chosen)).astype(np.int64)
    return rows[headline_only[rows]]


def embed_heads(articles: pd.DataFrame, rows: np.ndarray, embedder: Embedder) -> np.ndarray:
    """The second model's unit vectors of some articles' heads, in the order of ``rows``."""
    titles, texts = articles["title"].to_numpy(), articles["text"].to_numpy()
    heads = [head_text(str(titles[i] or ""), str(texts[i] or "")) for i in rows]
    return np.asarray(encode_in_batches(embedder, heads), dtype=np.float32)
