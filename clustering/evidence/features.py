"""The features of a pair of articles that the pair model turns into P(same story).

For every pair of articles in a batch: the cosine of their vectors (after removing the
model's mean direction), overlap of romanised word prefixes and of character n-grams, the
publication-time gap, whether they share a language, the rare names they share across
scripts (consonant skeletons of name-like words in the headline and lead, weighted by a
background IDF), the rare names one article's headline and lead carry that the other's
whole text lacks (``against``), and whether a language of the pair lies outside the first
model's coverage (``uncovered``). The article vectors cover title, lead and body; the word
and n-gram features compare headlines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import wraps

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from clustering.evidence.lexical import (
    char_vectors,
    distinct_name_keys,
    lead_names_and_presence,
    prefix_vectors,
    strip_source,
)
from clustering.evidence.tfidf import row_cosine, row_dots
from embeddings import lead


def lexical_texts(titles: Sequence[str]) -> list[str]:
    """What the surface features compare: the headline without its outlet.

    Only headlines: the pair model was trained on them, and long bodies in closely related
    languages (Turkish and Azerbaijani, say) share so many character n-grams that body
    overlap says more about the language than about the story.
    """
    return [strip_source(title) for title in titles]


def entity_texts(titles: Sequence[str], texts: Sequence[str]) -> list[str]:
    """Where names are looked for: the headline and the lead of the body."""
    return [f"{title}\n{lead(text)}" for title, text in zip(titles, texts, strict=True)]


class _Column(Enum):
    """Article-table columns only this package writes: their labels are not strings."""

    WHOLE_NAMES = "whole_names"


#: The optional article-table column of each article's :func:`whole_names`, for tables
#: whose ``text`` holds only a lead (the windows of :mod:`clustering.scale.windows`). Its
#: label is not a string, so an input's own ``whole_names`` field (an extra column of the
#: article table) is never read for it.
WHOLE_NAMES = _Column.WHOLE_NAMES


def whole_names(titles: Sequence[str], texts: Sequence[str]) -> list[str]:
    """Where a name is looked for when the other article's lead carries it: all of the text.

    Each article's distinct name tokens
    (:func:`~clustering.evidence.lexical.distinct_name_keys`) of its title and whole body.
    """
    return [
        distinct_name_keys(f"{title}\n{text}") for title, text in zip(titles, texts, strict=True)
    ]


def outside(langs: Sequence[object], covered: frozenset[str] | None) -> np.ndarray:
    """Which articles are in a known language that ``covered`` lacks (None: covers all)."""
    if covered is None:
        return np.zeros(len(langs), dtype=bool)
    return np.array([isinstance(x, str) and bool(x) and x not in covered for x in langs], bool)


def with_body(articles: pd.DataFrame) -> np.ndarray:
    """Which articles have a body, not a headline alone."""
    return articles["text"].fillna("").astype(str).str.strip().ne("").to_numpy()


#: The candidate window: articles published farther apart than this are never compared
#: (the candidate graph, :class:`~clustering.grouping.clusterer.StoryClusterer`'s default
#: ``window_hours``, and the pairs a calibration draws).
CANDIDATE_WINDOW_HOURS = 120.0


def hours_of(published: pd.Series) -> np.ndarray:
    """Publication times in hours after the earliest, NaN where unknown."""
    stamps = pd.to_datetime(published)
    known = stamps.notna().to_numpy()
    hours = np.full(len(stamps), np.nan, dtype=np.float64)
    if known.any():
        values = stamps[known].astype("datetime64[ns]").to_numpy()
        hours[known] = (values - values.min()) / np.timedelta64(1, "h")
    return hours


def gap_features(left: np.ndarray, right: np.ndarray) -> dict[str, np.ndarray]:
    """log(1 + gap in hours), its square, and a flag for pairs where a time is missing.

    ``left`` and ``right`` broadcast: a column and a row give a block, equal shapes pairs.
    """
    both = ~np.isnan(left) & ~np.isnan(right)
    gap = np.abs(np.nan_to_num(left) - np.nan_to_num(right))
    log_gap = np.log1p(gap).astype(np.float32) * both
    return {"logdt": log_gap, "logdt2": log_gap**2, "notime": (~both).astype(np.float32)}


def language_codes(langs: Sequence[object]) -> np.ndarray:
    """One integer per language (in order of first appearance), -1 where unknown."""
    names = [x if isinstance(x, str) and x else None for x in langs]
    codes, _ = pd.factorize(pd.Series(names, dtype=object), use_na_sentinel=True)
    return codes.astype(np.int64)


def centred_unit(vectors: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``vectors`` minus ``mean``, scaled to unit length, float32."""
    centred = np.asarray(vectors, dtype=np.float32) - mean
    return centred / np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-12)


#: Pairs :meth:`ArticleEvidence.pair_features` computes at a time: each side's rows are
#: copied (a 512-d vector, ~140 character n-grams), so the two million pairs of a
#: calibration on OG2021 took 8 GB at once.
PAIR_CHUNK = 32_768

PairFeatures = Callable[["ArticleEvidence", np.ndarray, np.ndarray], dict[str, np.ndarray]]


def in_chunks(pair_features: PairFeatures) -> PairFeatures:
    """``pair_features`` over :data:`PAIR_CHUNK` pairs at a time: the same numbers, less memory."""

    @wraps(pair_features)
    def chunked(
        evidence: ArticleEvidence, left: np.ndarray, right: np.ndarray
    ) -> dict[str, np.ndarray]:
        if len(left) <= PAIR_CHUNK:
            return pair_features(evidence, left, right)
        parts = [
            pair_features(
                evidence, left[start : start + PAIR_CHUNK], right[start : start + PAIR_CHUNK]
            )
            for start in range(0, len(left), PAIR_CHUNK)
        ]
        return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}

    return chunked


@dataclass(frozen=True)
class SecondVectors:
    """The second model's vectors of some articles (``rows``) and their centring mean.

    ``mean`` is one vector for all, or one row per vector.
    """

    rows: np.ndarray
    vectors: np.ndarray
    mean: np.ndarray

    @property
    def dim(self) -> int:
        """The second model's dimension."""
        return int(self.mean.shape[-1])


@dataclass(frozen=True)
class ArticleEvidence:
    """What the pair features of a batch are computed from, one row per article."""

    centred: np.ndarray
    prefix: csr_matrix
    char: csr_matrix
    names: csr_matrix
    hours: np.ndarray
    lang: np.ndarray
    #: The second model's centred unit vectors (zero rows where an article has none).
    second: np.ndarray | None = None
    #: Which articles have a second vector.
    has_second: np.ndarray | None = None
    #: Which articles have a body (not a headline alone).
    has_body: np.ndarray | None = None
    #: The squared name weights of each headline and lead (rows sum to 1, or 0: no names).
    lead_names: csr_matrix | None = None
    #: 1 for each name skeleton anywhere in an article (in the space of ``lead_names``).
    present: csr_matrix | None = None
    #: Which articles are in a language the first model does not cover.
    outside: np.ndarray | None = None

    @classmethod
    def of(
        cls,
        vectors: np.ndarray,
        mean: np.ndarray,
        articles: pd.DataFrame,
        second: SecondVectors | None = None,
        covered: frozenset[str] | None = None,
    ) -> ArticleEvidence:
        """Centred unit vectors, headline and name TF-IDF vectors, times and languages.

        ``articles`` is the article table (``title``, ``text``, ``published``, ``lang``),
        one row per vector. ``second`` adds the second model's vectors of some articles.
        ``covered``: the languages the first model covers (None: all).
        """
        centred = centred_unit(vectors, mean)
        second_rows = None if second is None else np.zeros((len(centred), second.dim), np.float32)
        has_second = None if second is None else np.zeros(len(centred), dtype=bool)
        if second is not None and second_rows is not None and has_second is not None:
            second_rows[second.rows] = centred_unit(second.vectors, second.mean)
            has_second[second.rows] = True
        titles, texts = list(articles["title"]), list(articles["text"])
        surface = lexical_texts(titles)
        wholes = (
            list(articles[WHOLE_NAMES]) if WHOLE_NAMES in articles else whole_names(titles, texts)
        )
        names, present = lead_names_and_presence(entity_texts(titles, texts), wholes)
        return cls(
            centred=centred,
            prefix=prefix_vectors(surface),
            char=char_vectors(surface),
            names=names,
            hours=hours_of(articles["published"]),
            lang=language_codes(list(articles["lang"])),
            second=second_rows,
            has_second=has_second,
            has_body=with_body(articles),
            lead_names=names.multiply(names).tocsr(),
            present=present,
            outside=outside(list(articles["lang"]), covered),
        )

    def __len__(self) -> int:
        return len(self.centred)

    def _bodies(self, rows: np.ndarray | slice) -> np.ndarray:
        """1 for each article of ``rows`` with a body, else 0 (int8)."""
        if self.has_body is None:
            return np.zeros(len(self.centred), dtype=np.int8)[rows]
        return self.has_body[rows].astype(np.int8)

    def _against(self, rows: np.ndarray | slice, cols: np.ndarray | slice) -> np.ndarray:
        """The larger share of name weight one lead of a pair carries and the other lacks."""
        if self.lead_names is None or self.present is None:
            return np.zeros((len(self.centred[rows]), len(self.centred[cols])), np.float32)
        weight = np.asarray(self.lead_names.sum(axis=1)).ravel()
        forward = weight[rows][:, None] - (self.lead_names[rows] @ self.present[cols].T).toarray()
        backward = weight[cols][None, :] - (self.present[rows] @ self.lead_names[cols].T).toarray()
        return np.clip(np.maximum(forward, backward), 0.0, 1.0).astype(np.float32)

    def _pair_against(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """:meth:`_against` of the pairs (``left[k]``, ``right[k]``)."""
        if self.lead_names is None or self.present is None:
            return np.zeros(len(left), np.float32)
        weight = np.asarray(self.lead_names.sum(axis=1)).ravel()
        forward = weight[left] - row_dots(self.lead_names, left, right, self.present)
        backward = weight[right] - row_dots(self.lead_names, right, left, self.present)
        return np.clip(np.maximum(forward, backward), 0.0, 1.0).astype(np.float32)

    def _outside(self) -> np.ndarray:
        return self.outside if self.outside is not None else np.zeros(len(self.centred), bool)

    def features(
        self, rows: np.ndarray | slice = slice(None), cols: np.ndarray | slice = slice(None)
    ) -> dict[str, np.ndarray]:
        """All base features for the pairs ``rows`` × ``cols``, as float32 matrices."""
        lang_rows, lang_cols = self.lang[rows], self.lang[cols]
        same = (lang_rows[:, None] == lang_cols[None, :]) & (lang_rows[:, None] >= 0)
        extra = {}
        if (
            self.second is not None
            and self.has_second is not None
            and self.has_second[rows].any()
            and self.has_second[cols].any()
        ):  # blocks without a second vector on both sides skip the product
            extra = {
                "cos2": self.second[rows] @ self.second[cols].T,
                "both2": self.has_second[rows][:, None] & self.has_second[cols][None, :],
                "bodies": self._bodies(rows)[:, None] + self._bodies(cols)[None, :],
            }
        return extra | {
            "cos": self.centred[rows] @ self.centred[cols].T,
            "prefix": row_cosine(self.prefix, rows, cols),
            "char": row_cosine(self.char, rows, cols),
            "names": row_cosine(self.names, rows, cols),
            "against": self._against(rows, cols),
            "uncovered": (self._outside()[rows][:, None] | self._outside()[cols][None, :]).astype(
                np.float32
            ),
            "samelang": same.astype(np.float32),
            **gap_features(self.hours[rows][:, None], self.hours[cols][None, :]),
        }

    @in_chunks
    def pair_features(self, left: np.ndarray, right: np.ndarray) -> dict[str, np.ndarray]:
        """All base features for the pairs (``left[k]``, ``right[k]``), as float32 vectors."""
        same = (self.lang[left] == self.lang[right]) & (self.lang[left] >= 0)
        extra = {}
        if self.second is not None and self.has_second is not None:
            extra = {
                "cos2": np.einsum("ij,ij->i", self.second[left], self.second[right]),
                "both2": self.has_second[left] & self.has_second[right],
                "bodies": self._bodies(left) + self._bodies(right),
            }
        return extra | {
            "cos": np.einsum("ij,ij->i", self.centred[left], self.centred[right]),
            "prefix": row_dots(self.prefix, left, right),
            "char": row_dots(self.char, left, right),
            "names": row_dots(self.names, left, right),
            "against": self._pair_against(left, right),
            "uncovered": (self._outside()[left] | self._outside()[right]).astype(np.float32),
            "samelang": same.astype(np.float32),
            **gap_features(self.hours[left], self.hours[right]),
        }
