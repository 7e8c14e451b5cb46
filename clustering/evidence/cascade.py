"""The evidence cascade: the fast model everywhere, a second model where it pays.

USE (the default model) is fast but covers 16 languages, and on its own its cosine tells
one story from another less well than multilingual-e5's (measured on OG2021 dev headline
pairs and SemEval-2022 dev article pairs). e5 costs about seven times more per text. So
every pair gets the first-order pair model over the fast model's evidence, and pairs where
both articles also have an e5 vector of their head (title and lead, :func:`head_text`) get
a pair model that reads the e5 cosine (``cos2``) as well:

- two headlines: the headline model, calibrated on OG2021 dev headline pairs;
- two articles with a body: the bodies model, calibrated on SemEval-2022 dev pairs of
  full articles; e5 cosines of heads with a body run higher than of bare headlines, so
  each kind is centred by its own model's mean;
- a headline and an article with a body: the first-order model (nothing calibrates e5
  across the two kinds yet).

Which articles get the e5 vector:

- every article with a body, whatever the batch's size: USE already reads its whole body,
  and held out on SemEval-2022 dev, all texts clustered, e5 for every article lifted pair
  F1 from 0.699 to 0.775 (cross-lingual 0.488 to 0.692), at 2.8 times the time on texts
  of about 1,300 characters (benchmarks/RESULTS.md);
- every headline of a batch of at most :data:`SMALL_BATCH` articles: there one pair's own
  evidence decides, and the cost is small;
- in larger batches, the headlines in languages the fast model does not cover, and for
  each of them its :data:`NEIGHBOURS` nearest articles (by the fast model's vector) within
  the time window, so it has partners to be compared with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.evidence.features import outside
from clustering.evidence.model import PairModel
from clustering.progress import bar
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
    """The first-order pair model, and those for pairs of headlines and of full articles."""

    base: PairModel
    second: PairModel | None = None
    bodies: PairModel | None = None

    def models(self) -> tuple[PairModel | None, ...]:
        """The models, numbered as :meth:`model_of` numbers them (None: not there)."""
        return (self.base, self.second, self.bodies)

    def model_of(self, features: dict[str, np.ndarray]) -> np.ndarray:
        """Which model scores each pair: 0 the base one, 1 the headlines', 2 the bodies'."""
        number = np.zeros(features["cos"].shape, dtype=np.int8)
        both, bodies = features.get("both2"), features.get("bodies")
        if both is None or bodies is None:
            return number
        if self.second is not None:
            number[both & (bodies == 0)] = 1
        if self.bodies is not None:
            number[both & (bodies == 2)] = 2
        return number

    def scores(self, features: dict[str, np.ndarray]) -> np.ndarray:
        """P(same story), each pair from the model :meth:`model_of` picks for it."""
        number = self.model_of(features)
        probability = self.base.scores(features)
        for k, model in enumerate(self.models()):
            if k and model is not None and (number == k).any():
                probability = np.where(number == k, model.scores(features), probability)
        return probability.astype(np.float32)

    def second_means(self, has_body: np.ndarray) -> np.ndarray | None:
        """Per article, the mean its e5 vector is centred by (its kind's model's); None: no e5."""
        means = [None if m is None else m.second_mean for m in (self.second, self.bodies)]
        if means[0] is None and means[1] is None:
            return None
        dim = next(len(m) for m in means if m is not None)
        headline, body = (np.zeros(dim, np.float32) if m is None else m for m in means)
        return np.where(has_body[:, None], body, headline).astype(np.float32)

    def second_model(self) -> str | None:
        """The second embedding model (both e5 pair models read the same one)."""
        model = self.second or self.bodies
        return None if model is None else model.second

    def eligible(self, has_body: np.ndarray) -> np.ndarray:
        """Which articles a model of the cascade can use an e5 vector for."""
        headlines = ~has_body if self.second is not None else np.zeros_like(has_body)
        bodies = has_body if self.bodies is not None else np.zeros_like(has_body)
        return headlines | bodies


def head_text(title: str, text: str) -> str:
    """What the second model reads of an article: its title and the start of its body.

    Of a title longer than :data:`HEAD_CHARS` only its lead is read (whole sentences, as
    of a body): e5 reads 512 tokens at most, and a 128 KB title took minutes to embed.
    """
    return " ".join(f"{lead(title, HEAD_CHARS)}\n{lead(text, HEAD_CHARS)}".split())


def second_rows(
    langs: Sequence[object],
    eligible: np.ndarray,
    covered: frozenset[str] | None,
    vectors: np.ndarray,
    hours: np.ndarray,
    window_hours: float,
    all_up_to: int = SMALL_BATCH,
    always: np.ndarray | None = None,
) -> np.ndarray:
    """The articles that get the second model's vector, as sorted row indices.

    Only ``eligible`` articles get one (those of a kind a pair model of the cascade reads
    e5 for). Of those, the ``always`` ones (the articles with a body), and every one when
    there are at most ``all_up_to`` articles; else also those in languages outside
    ``covered`` (None: all covered) and their nearest articles in the time window.
    """
    n = len(langs)
    if n <= all_up_to:
        return np.flatnonzero(eligible)
    given = np.flatnonzero(eligible & always) if always is not None else np.zeros(0, np.int64)
    if covered is None:
        return given
    uncovered = np.flatnonzero(outside(langs, covered) & eligible)
    chosen = [given, uncovered]
    for start in range(0, len(uncovered), 512):
        rows = uncovered[start : start + 512]
        similarity = vectors[rows] @ vectors.T
        gap = np.abs(hours[rows][:, None] - hours[None, :])
        similarity[gap > window_hours] = -np.inf
        similarity[np.arange(len(rows)), rows] = -np.inf
        count = min(NEIGHBOURS, n - 1)
        near = np.argpartition(-similarity, count - 1, axis=1)[:, :count]
        reachable = np.take_along_axis(similarity, near, axis=1) > -np.inf
        chosen.append(near[reachable])
    rows = np.unique(np.concatenate(chosen)).astype(np.int64)
    return rows[eligible[rows]]


def head_texts(articles: pd.DataFrame, rows: np.ndarray) -> list[str]:
    """The heads (:func:`head_text`) of some articles, in the order of ``rows``."""
    titles, texts = articles["title"].to_numpy(), articles["text"].to_numpy()
    return [head_text(str(titles[i] or ""), str(texts[i] or "")) for i in rows]


def embed_heads(articles: pd.DataFrame, rows: np.ndarray, embedder: Embedder) -> np.ndarray:
    """The second model's unit vectors of some articles' heads, in the order of ``rows``."""
    return encode_heads(head_texts(articles, rows), embedder)


def encode_heads(heads: list[str], embedder: Embedder) -> np.ndarray:
    """The second model's unit vectors of heads (:func:`head_text`), with a progress bar."""
    with bar("Embedding heads (second model)", "texts") as progress:
        return np.asarray(encode_in_batches(embedder, heads, progress=progress), dtype=np.float32)
