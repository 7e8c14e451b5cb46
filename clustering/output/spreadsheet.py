"""CSV text that is safe to open in a spreadsheet (OWASP's advice on CSV injection).

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be
read as a formula (``=HYPERLINK(…)`` phones home when clicked): it gets a leading single
quote, which spreadsheets read as "this is text". A cell that is a plain number
(``-12``, ``+3.5``, ``-1e-3``) is left alone, since a number is no formula and negative
numbers in passed-through columns stay numbers; so the numbers samestory writes itself
(probabilities, similarities, dates) are never touched.

Every cell holding a line break, a bare carriage return included, is quoted, so a reader
sees one row per record. (The ``defusedcsv`` package skips tabs and carriage returns and
rewrites every ``|`` in a cell, so it is not used.)
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence

import pandas as pd

from clustering.reading.values import is_missing

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def cell_text(value: object) -> str:
    """A value as CSV cell text: missing is empty, lists and mappings are JSON."""
    if is_missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A header and ``rows`` as CSV with newline line ends, every cell through :func:`neutralise`.

    Values are written as :func:`cell_text` has them.
    """
    buffer = io.StringIO()
    # With "\r\n" as line end the writer quotes every cell holding a \r or a \n; each
    # line end is then cut back to "\n".
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in [columns, *rows]:
        writer.writerow([neutralise(cell_text(value)) for value in row])
        buffer.seek(buffer.tell() - 2)
        buffer.write("\n")
        buffer.truncate()
    return buffer.getvalue()
