"""Tables of text pairs to score: read two text columns (and language columns), write back.

Cells are taken as the article texts they are (whitespace folded, no boilerplate removal:
a cell is not a web page), cut to the article size limit. Every column of the input is kept
in the output.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from clustering.errors import InputError
from clustering.output.spreadsheet import csv_text
from clustering.reading.cleaning import normalize_text
from clustering.reading.limits import ReadOptions, cut_to_bytes, source_name
from clustering.reading.records import Record, one_value, read_table
from clustering.reading.values import is_missing

#: The column the scores go to.
SIMILARITY_COLUMN = "similarity"
#: The column ``compare --pairs`` adds with P(same story) as ``cluster`` scores the pair.
PROBABILITY_COLUMN = "same_story_probability"


@dataclass(frozen=True)
class PairTable:
    """The rows of a pairs file and the texts and languages of each pair."""

    columns: list[str]
    rows: list[dict[str, object]]
    left: list[str]
    right: list[str]
    left_langs: list[str | None] | None
    right_langs: list[str | None] | None


def _column(
    records: list[Record], source: str, name: str, limit: int, required: bool = True
) -> list[str | None]:
    values: list[str | None] = []
    for line, row in records:
        value = one_value(row.get(name), name, source, line)
        cell = "" if is_missing(value) else str(value)
        text = normalize_text(cut_to_bytes(cell, limit, f"column {name!r}", f"{source}:{line}"))
        if required and not text:
            raise InputError(source, f"empty text in column {name!r}", line)
        values.append(text or None)
    return values


def read_pairs(
    path: str | os.PathLike[str],
    left: str,
    right: str,
    left_lang: str | None = None,
    right_lang: str | None = None,
    reading: ReadOptions | None = None,
) -> PairTable:
    """The pairs in a CSV, TSV, JSONL or Parquet file (or ``-``), texts in ``left``/``right``.

    ``reading`` gives the size limits and the format of standard input. Raises
    :class:`InputError` for a missing file or column, a file over the limit, and a row
    that cannot be read or whose text is empty or a list; a text over the article limit is
    cut, with an :class:`~clustering.errors.InputWarning`. An empty language cell is left
    for the scorer to detect.
    """
    reading = reading or ReadOptions()
    source = source_name(path)
    records = read_table(path, reading)
    if not records:
        raise InputError(source, "no pairs (no rows)")
    columns = list(dict.fromkeys(name for _, row in records for name in row))
    for name in (left, right, left_lang, right_lang):
        if name is not None and name not in columns:
            raise InputError(source, f"no column {name!r} (columns: {', '.join(columns)})")
    limit = reading.max_article_bytes
    texts = [_column(records, source, name, limit) for name in (left, right)]
    langs = [
        _column(records, source, name, limit, required=False) if name else None
        for name in (left_lang, right_lang)
    ]
    return PairTable(
        columns=columns,
        rows=[row for _, row in records],
        left=[str(text) for text in texts[0]],
        right=[str(text) for text in texts[1]],
        left_langs=langs[0],
        right_langs=langs[1],
    )


def pairs_csv(
    table: PairTable,
    similarity: Sequence[float] | np.ndarray,
    probability: Sequence[float] | np.ndarray | None = None,
) -> str:
    """The rows as CSV with every input column and the scores (4 decimals).

    :data:`SIMILARITY_COLUMN` always, :data:`PROBABILITY_COLUMN` when ``probability`` is
    given; a NaN score is an empty cell (a pair that could not be scored). Cells are
    safe to open in a spreadsheet (:func:`~clustering.output.spreadsheet.csv_text`).
    """
    added = [SIMILARITY_COLUMN, *([] if probability is None else [PROBABILITY_COLUMN])]
    columns = [*table.columns, *(name for name in added if name not in table.columns)]
    scores = {SIMILARITY_COLUMN: similarity}
    if probability is not None:
        scores[PROBABILITY_COLUMN] = probability
    rows = []
    for k, row in enumerate(table.rows):
        cells = {name: row.get(name) for name in table.columns}
        for name, values in scores.items():
            cells[name] = "" if np.isnan(values[k]) else f"{values[k]:.4f}"
        rows.append([cells[name] for name in columns])
    return csv_text(columns, rows)
