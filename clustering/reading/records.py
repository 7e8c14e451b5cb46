"""Rows of tabular article files (JSONL, CSV, TSV, Parquet), numbered by line or row."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from clustering.errors import InputError
from clustering.reading.decoding import DecodeError, decode_bytes

TABLE_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
}
#: A row and its line (JSONL, CSV) or 1-based row number (Parquet).
Record = tuple[int, dict[str, object]]


def read_bytes(path: Path) -> bytes:
    """The bytes of a file, or an :class:`InputError` naming it."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read file ({exc.strerror or exc})") from exc


def read_text(path: Path) -> str:
    """The decoded text of a file, or an :class:`InputError` naming it."""
    try:
        return decode_bytes(read_bytes(path))[0]
    except DecodeError as exc:
        raise InputError(str(path), str(exc)) from exc


def _jsonl_rows(path: Path) -> Iterator[Record | InputError]:
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield InputError(str(path), f"malformed JSONL line ({exc.msg})", number)
            continue
        if not isinstance(row, dict):
            yield InputError(str(path), "malformed JSONL line (not a JSON object)", number)
            continue
        yield number, row


def _csv_rows(path: Path, delimiter: str) -> Iterator[Record | InputError]:
    reader = csv.reader(io.StringIO(read_text(path), newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        yield InputError(str(path), f"malformed CSV ({exc})", reader.line_num)
        return
    if header is None:
        return
    names = [name.strip() for name in header]
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield InputError(str(path), f"malformed CSV ({exc})", reader.line_num)
            return
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(names):
            yield InputError(
                str(path),
                f"row has {len(values)} fields, the header has {len(names)}",
                reader.line_num,
            )
            continue
        yield reader.line_num, dict(zip(names, values, strict=True))


def _parquet_rows(path: Path) -> Iterator[Record | InputError]:
    try:
        frame = pd.read_parquet(path)
    except ImportError as exc:
        raise InputError(
            str(path), "reading Parquet needs pyarrow: pip install 'samestory[parquet]'"
        ) from exc
    except Exception as exc:  # pyarrow raises its own error types for broken files
        raise InputError(str(path), f"cannot read Parquet ({exc})") from exc
    yield from enumerate(frame.to_dict("records"), start=1)


def read_records(path: Path) -> Iterator[Record | InputError]:
    """Every row of a table file, or an error for a row that cannot be read.

    A whole file that cannot be read raises :class:`InputError`.
    """
    kind = TABLE_SUFFIXES[path.suffix.lower()]
    if kind == "jsonl":
        yield from _jsonl_rows(path)
    elif kind == "parquet":
        yield from _parquet_rows(path)
    else:
        yield from _csv_rows(path, "," if kind == "csv" else "\t")


def read_table(path: Path) -> list[Record]:
    """Every numbered row of a JSONL, CSV, TSV or Parquet file; the first bad row raises."""
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(str(path), "not a JSONL, CSV, TSV or Parquet file")
    rows = []
    for item in read_records(path):
        if isinstance(item, InputError):
            raise item
        rows.append(item)
    return rows
