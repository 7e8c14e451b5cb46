"""Scoring stories against gold labels.

Gold labels come from a column of the input or from a labels file; predictions come from
clustering or from a file written earlier by ``samestory cluster``.
"""

from __future__ import annotations

import os

import pandas as pd

from clustering.errors import InputError
from clustering.evaluation.metrics import Scores, score
from clustering.reading.articles import gold_labels
from clustering.reading.limits import ReadOptions, source_name
from clustering.reading.records import read_table

_ID_COLUMNS = ("id", "file")


def read_labels(
    path: str | os.PathLike[str], column: str, reading: ReadOptions | None = None
) -> dict[str, str]:
    """``id -> label`` from a JSONL or CSV file with an ``id`` (or ``file``) and ``column``.

    ``-`` is standard input; ``reading`` gives its format and the input size limit. An id
    given twice (blanks around it aside, as in the articles) is an :class:`InputError` at
    its second line.
    """
    source = source_name(path)
    labels: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, row in read_table(path, reading):
        key = next((k for k in _ID_COLUMNS if str(row.get(k) or "").strip()), None)
        if key is None:
            raise InputError(source, "row has no id", number)
        value = row.get(column)
        if value is None or value == "":
            raise InputError(source, f"row has no {column!r}", number)
        ident = str(row[key]).strip()  # as the articles' ids are read
        if ident in labels:
            message = f"duplicate id {ident!r} (first seen at {source}:{lines[ident]})"
            raise InputError(source, message, number)
        labels[ident], lines[ident] = str(value), number
    if not labels:
        raise InputError(source, "no labels (no rows)")
    return labels


def attach_labels(
    articles: pd.DataFrame, labels: dict[str, str], column: str, source: str
) -> pd.DataFrame:
    """The article table with ``column`` filled from ``labels`` (by id); every id needs one."""
    missing = [ident for ident in articles["id"] if ident not in labels]
    if missing:
        raise InputError(source, f"no label for id {missing[0]!r} ({len(missing)} missing)")
    return articles.assign(**{column: [labels[ident] for ident in articles["id"]]})


def evaluate_predictions(
    articles: pd.DataFrame, gold_column: str, predicted: dict[str, str], source: str
) -> Scores:
    """Score predicted stories (``id -> story``) for the articles against ``gold_column``."""
    gold = gold_labels(articles, gold_column)
    unknown = sorted(set(predicted) - set(articles["id"]))
    if unknown:
        raise InputError(source, f"prediction for unknown id {unknown[0]!r}")
    missing = [ident for ident in articles["id"] if ident not in predicted]
    if missing:
        raise InputError(source, f"no prediction for id {missing[0]!r} ({len(missing)} missing)")
    return score([predicted[ident] for ident in articles["id"]], gold)
