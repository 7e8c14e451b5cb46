"""One call from inputs to a result: stories (cluster), a pair model (calibrate), a comparison.

The command line makes one call here per command: the settings are typed
(:class:`ClusterSettings`), the engine (local or Dask) is chosen here, a story store is
opened here with its own model, and ``compare`` composes its two models here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from clustering.errors import InputError
from clustering.evaluation.metrics import Scores
from clustering.evaluation.scoring import attach_labels, evaluate_predictions, read_labels
from clustering.evidence.calibrate import (
    RATING_COLUMN,
    Calibration,
    calibrate_articles,
    calibrate_pairs,
    check_pair_counts,
    flag_labels,
    pair_articles,
    rated_labels,
)
from clustering.evidence.cascade import SMALL_BATCH
from clustering.evidence.compare import Comparison, compare_articles, score_pairs
from clustering.evidence.explain import PairExplanation
from clustering.evidence.model import PairModel, read_pair_model
from clustering.grouping.clusterer import DEFAULT_MIN_PROBABILITY, StoryClusterer
from clustering.grouping.result import ClusterResult
from clustering.output.pairs import PairTable, pairs_csv, read_pairs
from clustering.reading.fetch import Fetcher
from clustering.reading.limits import ReadOptions, source_name
from clustering.reading.loaders import load_articles
from clustering.reading.values import is_missing
from clustering.scale.distributed import cluster_paths_on_dask
from clustering.store.assign import Assigner
from clustering.store.opening import store_embedder
from clustering.store.store import StoryStore
from embeddings import DEFAULT_MODEL, Embedder, make_embedder
from embeddings.articles import embed_articles

Progress = Callable[[int, int], None] | None
#: The language columns of a pairs file (SemEval's), used when present and none are named.
PAIR_LANG_COLUMNS = ("lang1", "lang2")


#: Where clustering runs: in this process, or on Dask workers (in time windows).
Engine = Literal["local", "dask"]


@dataclass(frozen=True)
class ModelSettings:
    """The embedding model (a name, see ``samestory models``) and its vector cache."""

    model: str = DEFAULT_MODEL
    cache: bool = True
    cache_dir: str | None = None

    def embedder(self) -> Embedder:
        """The embedder these settings ask for, cached unless ``cache`` is False."""
        return make_embedder(self.model, cache=self.cache, cache_dir=self.cache_dir)


@dataclass(frozen=True)
class ClusterSettings(ModelSettings):
    """How articles become stories: the model and the :class:`StoryClusterer` settings.

    ``pair_model`` is a pair model file (from ``calibrate``), None for the shipped one;
    ``second_model`` is "auto", "e5" or None (see :class:`StoryClusterer`).
    """

    min_probability: float = DEFAULT_MIN_PROBABILITY
    max_distance: float | None = None
    min_cluster_size: int = 2
    pair_model: str | None = None
    second_model: str | None = "auto"
    second_up_to: int = SMALL_BATCH

    def clusterer(self, embedder: Embedder | str | None = None) -> StoryClusterer:
        """A :class:`StoryClusterer` with these settings over ``embedder`` (default: ours).

        A ``pair_model`` file that is not a pair model is an :class:`InputError`.
        """
        pair_model: PairModel | str = "auto"
        if self.pair_model is not None:
            pair_model = read_pair_model(self.pair_model)
        return StoryClusterer(
            embedder=self.embedder() if embedder is None else embedder,
            pair_model=pair_model,
            min_cluster_size=self.min_cluster_size,
            min_probability=self.min_probability,
            max_distance=self.max_distance,
            second_model=self.second_model,
            second_up_to=self.second_up_to,
        )


def cluster_paths(
    paths: Iterable[str | os.PathLike[str]],
    embedder: Embedder | None = None,
    skip_bad: bool = False,
    progress: Progress = None,
    fetcher: Fetcher | None = None,
    reading: ReadOptions | None = None,
    settings: ClusterSettings | None = None,
    engine: Engine = "local",
    scheduler: str | None = None,
) -> ClusterResult:
    """Read ``paths`` (as ``reading`` says) and group their articles into stories.

    ``settings`` are the model's and :class:`StoryClusterer`'s (defaults when None);
    ``embedder`` stands for their model on the local engine. ``engine`` "dask" embeds and
    clusters on Dask workers (at ``scheduler``, or a LocalCluster), by the model's name.
    Feed URLs are fetched by ``fetcher``. Raises :class:`InputError` for bad input unless
    ``skip_bad``.
    """
    settings = settings or ClusterSettings()
    if engine == "dask":
        return cluster_paths_on_dask(
            paths,
            settings.clusterer(settings.model),
            scheduler=scheduler,
            skip_bad=skip_bad,
            fetcher=fetcher,
            reading=reading,
            cache=settings.cache,
            cache_dir=settings.cache_dir,
            progress=progress,
        )
    loaded = load_articles(paths, skip_bad=skip_bad, fetcher=fetcher, reading=reading)
    clusterer = settings.clusterer(embedder)
    clusterer.fit(loaded.articles, progress=progress)
    return replace(clusterer.result(), skipped=loaded.skipped)


def open_store(
    path: str | os.PathLike[str],
    model: str | None = None,
    cache: bool = True,
    pair_model: str | None = None,
    read_only: bool = False,
    cache_dir: str | None = None,
) -> StoryStore:
    """Open the story store at ``path`` with its own model (or ``model``, if the same).

    With ``pair_model`` (a file), new articles are clustered with it instead of the
    shipped one. Raises :class:`~clustering.store.StoreError` for a store that cannot be
    used, :class:`InputError` for a bad pair model file.
    """
    embedder = store_embedder(path, model, read_only=read_only, cache=cache, cache_dir=cache_dir)
    assigner = None
    if pair_model is not None:
        loaded = read_pair_model(pair_model)
        loaded.check_embedder(embedder)
        assigner = Assigner(clusterer=StoryClusterer(embedder=embedder, pair_model=loaded))
    return StoryStore(path, embedder, assigner, read_only=read_only)


def evaluate_table(
    articles: pd.DataFrame,
    gold: str,
    settings: ClusterSettings | None = None,
    labels: str | None = None,
    predicted: str | None = None,
    reading: ReadOptions | None = None,
    progress: Progress = None,
) -> Scores:
    """Score stories against the gold labels in column ``gold`` of ``articles``.

    ``labels`` is a file with the gold column for articles without one; ``predicted`` an
    earlier ``cluster`` output (jsonl or csv) to score instead of clustering with
    ``settings``.
    """
    if labels:
        articles = attach_labels(
            articles, read_labels(labels, gold, reading), gold, source_name(labels)
        )
    if predicted:
        stories = read_labels(predicted, "story", reading)
        source = source_name(predicted)
    else:
        clusterer = (settings or ClusterSettings()).clusterer()
        clusterer.fit(articles, progress=progress)
        stories = dict(zip(articles["id"], clusterer.articles_["story"], strict=True))
        source = "clustering"
    return evaluate_predictions(articles, gold, stories, source)


def calibrate_paths(
    paths: Iterable[str | os.PathLike[str]],
    embedder: Embedder,
    gold: str = "story",
    progress: Progress = None,
    reading: ReadOptions | None = None,
) -> Calibration:
    """Read story-labelled articles (gold story in column ``gold``) and calibrate a pair model.

    ``reading`` sets the format of standard input and the size limits. See
    :func:`calibrate_table`.
    """
    articles = load_articles(paths, reading=reading).articles
    return calibrate_table(articles, embedder, gold, progress)


def calibrate_table(
    articles: pd.DataFrame, embedder: Embedder, gold: str = "story", progress: Progress = None
) -> Calibration:
    """Embed the article table and calibrate a pair model on its gold stories (``gold``).

    See :func:`clustering.evidence.calibrate.calibrate_articles`.
    """
    vectors = embed_articles(articles, embedder, progress)
    return calibrate_articles(articles, vectors, embedder.model, gold)


def _pair_langs(table: PairTable, column: str) -> list[str | None]:
    return [None if is_missing(row.get(column)) else str(row.get(column)) for row in table.rows]


def calibrate_pair_file(
    path: str | os.PathLike[str],
    embedder: Embedder,
    label: str | None = None,
    left: str = "text1",
    right: str = "text2",
    left_lang: str | None = None,
    right_lang: str | None = None,
    progress: Progress = None,
    reading: ReadOptions | None = None,
) -> Calibration:
    """Calibrate a pair model on the rated text pairs of a CSV (or TSV, JSONL, Parquet) file.

    ``label`` names a column of 0/1 or true/false (1 = same story); without it the file
    needs SemEval-2022 Task 8's ``Overall`` rating (1 = same story … 4 = unrelated: at most
    1.5 is the same story, at least 3 a different one, the rest are left out). Languages
    come from ``left_lang``/``right_lang``, else from ``lang1``/``lang2`` when the file has
    them, else are detected. Pairs with a text that leaves nothing to read once cleaned
    are left out too. ``reading`` gives the size limits and the format of ``-`` (see
    :func:`~clustering.output.pairs.read_pairs`). Raises :class:`InputError` for a bad
    file, column or label.
    """
    source = source_name(path)
    table = read_pairs(path, left, right, left_lang, right_lang, reading)
    left_langs, right_langs = table.left_langs, table.right_langs
    if left_lang is None and right_lang is None and set(PAIR_LANG_COLUMNS) <= set(table.columns):
        left_langs, right_langs = (_pair_langs(table, column) for column in PAIR_LANG_COLUMNS)
    if label is not None:
        if label not in table.columns:
            raise InputError(source, f"no column {label!r} (columns: {', '.join(table.columns)})")
        labels: list[bool | None] = list(
            flag_labels([row.get(label) for row in table.rows], label, source)
        )
    elif RATING_COLUMN in table.columns:
        labels = rated_labels([row.get(RATING_COLUMN) for row in table.rows], source)
    else:
        raise InputError(source, f"no rating column {RATING_COLUMN!r}: name a column of 0/1 labels")
    kept = [row for row, same in enumerate(labels) if same is not None]
    check_pair_counts(sum(labels[row] is True for row in kept), labels.count(False), source)
    articles, pairs, readable = pair_articles(
        [table.left[row] for row in kept],
        [table.right[row] for row in kept],
        None if left_langs is None else [left_langs[row] for row in kept],
        None if right_langs is None else [right_langs[row] for row in kept],
        source,
    )
    same = np.array([labels[row] for row in kept], dtype=bool)[readable]
    vectors = embed_articles(articles, embedder, progress)
    calibration = calibrate_pairs(articles, vectors, pairs, same, embedder.model, source)
    return replace(calibration, left_out=len(labels) - len(same))


def pair_probabilities(table: PairTable, embedder: Embedder | None = None) -> np.ndarray:
    """P(same story) of every pair of a pair table, as ``cluster`` scores the pair alone.

    ``embedder`` defaults to the default model; it picks the shipped pair models. Each text
    is read as ``cluster`` reads a text-only row; a pair with a text that leaves nothing
    to read gets NaN.
    """
    articles, pairs, kept = pair_articles(
        table.left, table.right, table.left_langs, table.right_langs
    )
    # every text gets the second model's vector, as each pair would on its own
    clusterer = StoryClusterer(embedder=embedder, second_up_to=len(articles))
    probability = np.full(len(kept), np.nan)
    probability[kept] = clusterer.pair_probabilities(articles, pairs[0], pairs[1])
    return probability


def _one_article(path: str, reading: ReadOptions | None) -> pd.DataFrame:
    """The article table of a path that must hold exactly one article."""
    loaded = load_articles([path], reading=reading)
    if len(loaded.articles) != 1:
        message = f"holds {len(loaded.articles)} articles; compare needs one per path"
        raise InputError(source_name(path), message)
    return loaded.articles


def compare_paths(
    paths: Sequence[str],
    settings: ModelSettings,
    pair_model: str | None = None,
    reading: ReadOptions | None = None,
) -> tuple[Comparison, PairExplanation]:
    """How alike the articles of two paths (one each) are, and P(same story) with why.

    The similarity uses ``settings.model``. P(same story) is as ``cluster`` scores the
    pair: with ``pair_model`` (a file), its model over ``settings.model``; else the
    default clusterer (the default model and its shipped pair models).
    """
    both = pd.concat([_one_article(path, reading) for path in paths], ignore_index=True)
    comparison = compare_articles(both, settings.embedder())
    if pair_model is not None:
        embedder = settings.embedder()
        loaded = read_pair_model(pair_model)
        loaded.check_embedder(embedder)
        clusterer = StoryClusterer(embedder=embedder, pair_model=loaded)
    else:
        clusterer = StoryClusterer(embedder=replace(settings, model=DEFAULT_MODEL).embedder())
    ids = both["id"].astype(str).tolist()
    return comparison, clusterer.pair_explanation(both, ids[0], ids[1])


def score_pair_file(
    path: str,
    left: str,
    right: str,
    left_lang: str | None,
    right_lang: str | None,
    settings: ModelSettings,
    reading: ReadOptions | None = None,
    progress: Progress = None,
) -> str:
    """The pairs file as CSV with the similarity (``settings.model``) and P(same story).

    P(same story) is the default clusterer's, as ``cluster`` scores each pair alone.
    """
    table = read_pairs(path, left, right, left_lang, right_lang, reading)
    scores = score_pairs(
        table.left,
        table.right,
        table.left_langs,
        table.right_langs,
        embedder=settings.embedder(),
        progress=progress,
    )
    default = replace(settings, model=DEFAULT_MODEL).embedder()
    return pairs_csv(table, scores.similarity, pair_probabilities(table, default))
