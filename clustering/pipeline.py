"""One call from inputs to a result: stories (cluster), or a pair model (calibrate)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import replace

import numpy as np
import pandas as pd

from clustering.errors import InputError
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
from clustering.evidence.model import model_id
from clustering.grouping.clusterer import StoryClusterer
from clustering.grouping.result import ClusterResult
from clustering.output.pairs import PairTable, read_pairs
from clustering.reading.fetch import Fetcher
from clustering.reading.limits import ReadOptions, source_name
from clustering.reading.loaders import load_articles
from clustering.reading.values import is_missing
from embeddings import Embedder, make_embedder
from embeddings.articles import embed_articles

Progress = Callable[[int, int], None] | None
#: The language columns of a pairs file (SemEval's), used when present and none are named.
PAIR_LANG_COLUMNS = ("lang1", "lang2")


def cluster_paths(
    paths: Iterable[str | os.PathLike[str]],
    embedder: Embedder | None = None,
    skip_bad: bool = False,
    progress: Progress = None,
    fetcher: Fetcher | None = None,
    reading: ReadOptions | None = None,
    **params: object,
) -> ClusterResult:
    """Read ``paths`` (as ``reading`` says) and group their articles into stories.

    ``params`` go to :class:`StoryClusterer`; feed URLs are fetched by ``fetcher``. Raises
    :class:`InputError` for bad input unless ``skip_bad``.
    """
    loaded = load_articles(paths, skip_bad=skip_bad, fetcher=fetcher, reading=reading)
    clusterer = StoryClusterer(embedder=embedder or make_embedder(), **params)  # type: ignore[arg-type]
    clusterer.fit(loaded.articles, progress=progress)
    return ClusterResult(
        clusterer.articles_, clusterer.stories_, loaded.skipped, clusterer.embeddings_
    )


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
    return calibrate_articles(articles, vectors, model_id(embedder), gold)


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
    calibration = calibrate_pairs(articles, vectors, pairs, same, model_id(embedder), source)
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
