"""Calibrate a pair model for any embedder, from story-labelled articles or from rated pairs.

A pair model turns the pair features (:data:`~clustering.evidence.model.FEATURES`) into
P(same story) with a logistic regression. The shipped one was fitted on the OG2021 dev
titles by :func:`calibrate_articles` (``make train-pair-model``); the same function fits one
for any embedder, a sentence-transformers model included, so its users get the full
evidence model rather than plain cosine.

- :func:`calibrate_articles`: articles with a gold story label. Every same-story pair is
  used, with ``NEGATIVES_PER_POSITIVE`` times as many random other pairs; each sampled pair
  is used twice, once as it is and once with its dates hidden, so the model also knows
  what to do when a date is missing. The intercept is corrected for the negative
  sampling, so P matches the share of same-story pairs among all pairs of the data.
- :func:`calibrate_pairs`: rated pairs of texts (same story or not), as they are. They
  carry no dates, so the time features do not vary and keep weight 0 (P ignores time);
  P matches the share of same-story pairs in the file.
- :func:`calibrate_ratings`: pairs rated 1 (same story) to 4 (unrelated), as SemEval-2022
  Task 8 rates them; each rating r counts as the same story with weight (4 − r) / 3 and as
  a different one with the rest, so P reads as the share of raters' "same" (the shipped
  model for two full articles, ``pair-use+e5-bodies.json``).

A feature that does not vary across the training pairs cannot be learned: it gets weight 0
and the intercept absorbs its value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from clustering.errors import InputError
from clustering.evidence.features import CANDIDATE_WINDOW_HOURS, ArticleEvidence, SecondVectors
from clustering.evidence.model import FEATURES, SECOND_FEATURES, PairModel, feature_column
from clustering.reading.articles import gold_labels, table_source
from clustering.reading.loaders import articles_from_records
from clustering.reading.values import is_missing
from embeddings import model_languages

NEGATIVES_PER_POSITIVE = 20
SEED = 0
#: Most articles :func:`calibrate_articles` takes: it looks at every pair.
MAX_ARTICLES = 20_000
#: About how many pairs a block of rows against every article holds, as
#: :func:`sample_pairs` and :func:`pair_design` go through all pairs (memory stays bounded).
BLOCK_PAIRS = 1 << 22
#: Fewest same-story (and different-story) pairs a calibration accepts.
MIN_PAIRS = 2
#: In-sample precision and recall are those of the pairs at P ≥ this.
REPORT_PROBABILITY = 0.5
#: SemEval-2022 Task 8's rating column: 1 = same story … 4 = unrelated.
RATING_COLUMN = "Overall"
#: Ratings at most this are the same story, at least ``DIFFERENT_RATING`` different ones;
#: those between are left out.
SAME_RATING = 1.5
DIFFERENT_RATING = 3.0
_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no"}


@dataclass(frozen=True)
class Calibration:
    """A fitted pair model and how it did on the pairs it was fitted on.

    ``same`` and ``different`` count the pairs used (before the undated copies),
    ``left_out`` the rated pairs whose rating was neither;
    ``precision`` and ``recall`` are in-sample, for the pairs at P ≥ 0.5, over all pairs
    of the data (sampled negatives stand for all negatives).
    """

    pair_model: PairModel
    same: int
    different: int
    precision: float
    recall: float
    left_out: int = 0


def sample_pairs(
    gold: np.ndarray, hours: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, float]:
    """Upper-triangle pair indices: all positives and sampled negatives; and the sampled share.

    Only pairs the candidate graph compares are drawn (:func:`near_pairs`).
    """
    rows, cols = near_pairs(hours)
    stories = np.unique(gold, return_inverse=True)[1]
    same = stories[rows] == stories[cols]
    positives = np.flatnonzero(same)
    negatives = np.flatnonzero(~same)
    chosen = rng.choice(
        negatives, min(len(negatives), NEGATIVES_PER_POSITIVE * len(positives)), replace=False
    )
    picked = np.concatenate([positives, chosen])
    return (
        np.stack([rows[picked], cols[picked]]),
        same[picked],
        len(chosen) / max(len(negatives), 1),
    )


def row_blocks(n: int) -> list[slice]:
    """Consecutive blocks of ``n`` rows, each with about :data:`BLOCK_PAIRS` pairs against all."""
    step = max(1, BLOCK_PAIRS // max(n, 1))
    return [slice(start, min(start + step, n)) for start in range(0, n, step)]


def near_pairs(hours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs i < j (in :func:`numpy.triu_indices`'s order) the candidate graph compares.

    Those published within :data:`~clustering.evidence.features.CANDIDATE_WINDOW_HOURS`
    of each other, or with a side undated (NaN ``hours``).
    """
    everyone = np.arange(len(hours))
    found = []
    for block in row_blocks(len(hours)):
        later = everyone[None, :] > everyone[block, None]
        near = ~(np.abs(hours[block, None] - hours[None, :]) > CANDIDATE_WINDOW_HOURS)
        rows, cols = np.nonzero(later & near)
        found.append((rows + block.start, cols))
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate([r for r, _ in found]), np.concatenate([c for _, c in found])


def undated(evidence: ArticleEvidence) -> ArticleEvidence:
    """The same evidence with every publication time hidden (as for undated articles)."""
    return replace(evidence, hours=np.full_like(evidence.hours, np.nan))


def design(
    features: dict[str, np.ndarray],
    pairs: np.ndarray | None = None,
    names: tuple[str, ...] = FEATURES,
) -> np.ndarray:
    """One row of the features ``names`` per pair.

    ``features`` are the base features of some pairs as vectors, or of a whole batch as
    matrices, which ``pairs`` (2 × k article indices) then picks from.
    """
    columns = [feature_column(features, name) for name in names]
    picked = columns if pairs is None else [column[pairs[0], pairs[1]] for column in columns]
    return np.stack(picked, axis=1)


def pair_design(
    evidence: ArticleEvidence, pairs: np.ndarray, names: tuple[str, ...] = FEATURES
) -> np.ndarray:
    """``design(evidence.features(), pairs, names)``, a block of rows at a time.

    The same numbers (on OG2021 dev bit for bit; BLAS may round a cosine's last bit
    otherwise in a small block) without the n × n matrices of every feature. Where only some
    articles have the second model's vector, a block may lack them: that rare case
    takes the whole matrices.
    """
    if evidence.has_second is not None and not evidence.has_second.all():
        return design(evidence.features(), pairs, names)
    x = np.empty((pairs.shape[1], len(names)), dtype=np.float32)
    for block in row_blocks(len(evidence)):
        inside = np.flatnonzero((pairs[0] >= block.start) & (pairs[0] < block.stop))
        if len(inside):
            local = np.stack([pairs[0, inside] - block.start, pairs[1, inside]])
            x[inside] = design(evidence.features(block), local, names)
    return x


def check_pair_counts(same: int, different: int, where: str) -> None:
    """Raise :class:`InputError` (at ``where``) unless there are enough pairs of each kind."""
    if same < MIN_PAIRS or different < MIN_PAIRS:
        raise InputError(
            where,
            f"{same} same-story and {different} different-story pairs: "
            f"a calibration needs at least {MIN_PAIRS} of each",
        )


def fit_pair_model(
    x: np.ndarray,
    labels: np.ndarray,
    model: str,
    mean: np.ndarray,
    share: float = 1.0,
    second: SecondVectors | None = None,
    second_model: str | None = None,
    weights: np.ndarray | None = None,
    names: tuple[str, ...] | None = None,
) -> PairModel:
    """A logistic model over the rows ``x`` of the features; constant columns get weight 0.

    The features are ``names``: by default :data:`FEATURES`, or :data:`SECOND_FEATURES`
    with ``second`` (the vectors of the model ``second_model``). ``share`` is the share of
    negatives that were sampled: the intercept is corrected by its log, so P matches all
    pairs rather than the sample. ``weights`` weigh the rows (all 1 when None).
    """
    if names is None:
        names = FEATURES if second is None else SECOND_FEATURES
    varying = x.min(axis=0) != x.max(axis=0)
    fitted = LogisticRegression(C=1.0, max_iter=5000).fit(
        x[:, varying], labels, sample_weight=weights
    )
    coef = np.zeros(len(names), dtype=np.float32)
    coef[varying] = fitted.coef_[0]
    return PairModel(
        model=model,
        mean=mean.astype(np.float32),
        coef=coef,
        intercept=float(fitted.intercept_[0] + np.log(share)),
        features=names,
        second=None if second is None else second_model,
        second_mean=None if second is None else second.mean.astype(np.float32),
    )


def _calibration(
    pair_model: PairModel,
    evidence: ArticleEvidence,
    pairs: np.ndarray,
    labels: np.ndarray,
    share: float,
) -> Calibration:
    """The fitted model with its in-sample pair precision and recall (negatives reweighted)."""
    linked = pair_model.scores(evidence.pair_features(pairs[0], pairs[1])) >= REPORT_PROBABILITY
    true = float(np.sum(linked & labels))
    false = float(np.sum(linked & ~labels)) / share
    same = int(labels.sum())
    return Calibration(
        pair_model=pair_model,
        same=same,
        different=len(labels) - same,
        precision=true / (true + false) if true + false else 0.0,
        recall=true / same,
    )


def _evidence(
    articles: pd.DataFrame,
    vectors: np.ndarray,
    model: str,
    mean: np.ndarray,
    second: SecondVectors | None = None,
) -> ArticleEvidence:
    return ArticleEvidence.of(vectors, mean, articles, second, model_languages(model))


def calibrate_articles(
    articles: pd.DataFrame,
    vectors: np.ndarray,
    model: str,
    gold_column: str = "story",
    seed: int = SEED,
    second: SecondVectors | None = None,
    second_model: str | None = None,
    names: tuple[str, ...] | None = None,
) -> Calibration:
    """Fit the pair model for ``model`` on articles labelled with their gold story.

    ``articles`` is the article table (see :func:`clustering.load_articles`) with
    ``gold_column``; ``vectors`` are its article vectors, made by the embedder
    ``model`` names (see :mod:`embeddings.base`). Every pair is looked at, so time
    grows with the square of the articles (at most :data:`MAX_ARTICLES`). Raises
    :class:`InputError` for too many articles, a missing column or label, and fewer than
    two same-story or different-story pairs. With ``second`` (every article's vector from the model
    ``second_model``), the model is the cascade's second one, reading ``cos2`` too.
    ``names``: other features than those (an ablation).
    """
    if len(articles) > MAX_ARTICLES:
        raise InputError(
            table_source(articles),
            f"{len(articles)} articles: calibration compares every pair and takes at most "
            f"{MAX_ARTICLES}; give a sample",
        )
    gold = np.asarray(gold_labels(articles, gold_column), dtype=str)
    sizes = np.unique(gold, return_counts=True)[1].astype(np.int64)
    same = int(np.sum(sizes * (sizes - 1) // 2))
    check_pair_counts(same, len(gold) * (len(gold) - 1) // 2 - same, table_source(articles))
    vectors = np.asarray(vectors, dtype=np.float32)
    mean = vectors.mean(axis=0)
    evidence = _evidence(articles, vectors, model, mean, second)
    pairs, labels, share = sample_pairs(gold, evidence.hours, np.random.default_rng(seed))
    if names is None:
        names = FEATURES if second is None else SECOND_FEATURES
    x = np.concatenate(
        [
            pair_design(evidence, pairs, names),
            pair_design(undated(evidence), pairs, names),
        ]
    )
    pair_model = fit_pair_model(
        x, np.concatenate([labels, labels]), model, mean, share, second, second_model, names=names
    )
    return _calibration(pair_model, evidence, pairs, labels, share)


def calibrate_pairs(
    articles: pd.DataFrame,
    vectors: np.ndarray,
    pairs: np.ndarray,
    same: Sequence[bool] | np.ndarray,
    model: str,
    source: str = "pairs",
) -> Calibration:
    """Fit the pair model for ``model`` on rated pairs of articles.

    ``pairs`` is 2 × k indices into ``articles`` (the article table, one row per distinct
    text) and its ``vectors``; ``same[k]`` says whether pair k is one story. ``source``
    names the input in errors.
    """
    labels = np.asarray(same, dtype=bool)
    check_pair_counts(int(labels.sum()), int((~labels).sum()), source)
    vectors = np.asarray(vectors, dtype=np.float32)
    mean = vectors.mean(axis=0)
    evidence = _evidence(articles, vectors, model, mean)
    features = evidence.pair_features(pairs[0], pairs[1])
    pair_model = fit_pair_model(design(features), labels, model, mean)
    return _calibration(pair_model, evidence, pairs, labels, 1.0)


def sameness(ratings: np.ndarray) -> np.ndarray:
    """How much each pair rated 1 (same story) to 4 (unrelated) counts as the same story."""
    return np.clip((4.0 - np.asarray(ratings, dtype=np.float64)) / 3.0, 0.0, 1.0)


def calibrate_ratings(
    articles: pd.DataFrame,
    vectors: np.ndarray,
    pairs: np.ndarray,
    ratings: np.ndarray,
    model: str,
    mean: np.ndarray,
    second: SecondVectors,
    second_model: str,
    names: tuple[str, ...] = SECOND_FEATURES,
) -> PairModel:
    """Fit a pair model with the second model's cosine on pairs rated 1 to 4 (see above).

    ``pairs`` index ``articles`` and ``vectors``; ``mean`` is the first model's mean (the
    one the cascade's first-order model centres by), ``second`` every article's vector of
    ``second_model`` with the mean they are centred by; ``names`` the features.
    """
    same = sameness(ratings)
    evidence = _evidence(articles, vectors, model, mean, second)
    x = design(evidence.pair_features(pairs[0], pairs[1]), None, names)
    labels = np.concatenate([np.ones(len(x), bool), np.zeros(len(x), bool)])
    weights = np.concatenate([same, 1.0 - same])
    return fit_pair_model(
        np.concatenate([x, x]), labels, model, mean, 1.0, second, second_model, weights, names
    )


def rated_labels(ratings: Sequence[object], source: str) -> list[bool | None]:
    """Same story (True), different (False) or left out (None), from SemEval-style ratings.

    A rating is a number from 1 (same story) to 4 (unrelated): at most 1.5 is the same
    story, at least 3 a different one. ``source`` names the input in errors.
    """
    labels: list[bool | None] = []
    for row, value in enumerate(ratings, 1):
        try:
            rating = float(str(value))
        except ValueError:
            rating = float("nan")
        if is_missing(value) or np.isnan(rating):
            raise InputError(source, f"row {row}: rating {value!r} is not a number")
        labels.append(
            True if rating <= SAME_RATING else False if rating >= DIFFERENT_RATING else None
        )
    return labels


def flag_labels(flags: Sequence[object], column: str, source: str) -> list[bool]:
    """Same story or not from a column of 0/1 or true/false (yes/no, any case)."""
    labels = []
    for row, value in enumerate(flags, 1):
        text = "" if is_missing(value) else str(value).strip().lower()
        if text.endswith(".0"):  # a numeric column read as floats
            text = text[:-2]
        if text not in _TRUE | _FALSE:
            raise InputError(source, f"row {row}: {column} {value!r} is not 0/1 or true/false")
        labels.append(text in _TRUE)
    return labels


def pair_articles(
    left: Sequence[str],
    right: Sequence[str],
    left_langs: Sequence[str | None] | None = None,
    right_langs: Sequence[str | None] | None = None,
    source: str = "pairs",
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The texts of pairs as an article table (one row per distinct text and language).

    Each text is read as ``cluster`` reads a text-only row: its headline is its short
    first line or sentence, boilerplate is removed and a missing language is detected.
    Returns the table, the pairs as 2 × k indices into it, and which of the given pairs
    those are: a pair with a text that leaves nothing to read is left out.
    """
    sides = []
    rows: dict[tuple[str, str | None], int] = {}
    for texts, langs in ((left, left_langs), (right, right_langs)):
        given = langs if langs is not None else [None] * len(texts)
        sides.append(
            [rows.setdefault((t, g), len(rows)) for t, g in zip(texts, given, strict=True)]
        )
    records = [{"id": str(i), "text": t, "lang": g} for (t, g), i in rows.items()]
    articles = articles_from_records(records, source, skip_bad=True).articles
    position = np.full(len(rows), -1, dtype=np.int64)
    position[articles["id"].astype(int).to_numpy()] = np.arange(len(articles))
    pairs = position[np.asarray(sides, dtype=np.int64).reshape(2, len(left))]
    kept = np.asarray((pairs >= 0).all(axis=0), dtype=bool)
    return articles.reset_index(drop=True), pairs[:, kept], kept
