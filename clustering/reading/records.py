"""Rows of tabular article files (JSONL, CSV, TSV, Parquet), numbered by line or row."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import sys
from collections.abc import Iterator, Sized
from pathlib import Path

import pandas as pd

from clustering.errors import InputError
from clustering.reading.decoding import DecodeError, decode_bytes
from clustering.reading.limits import (
    DEFAULT_MAX_INPUT_BYTES,
    STDIN,
    STDIN_NAME,
    ReadOptions,
    check_regular_file,
    read_at_most,
)

TABLE_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
}
#: The delimiters a CSV or TSV file may use (the first line tells which).
DELIMITERS = (",", ";", "\t", "|")
#: The formats standard input can be read as where a table is needed.
STDIN_TABLE_FORMATS = ("jsonl", "csv")
#: A row and its line (JSONL, CSV) or 1-based row number (Parquet).
Record = tuple[int, dict[str, object]]
_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def read_bytes(path: Path, limit: int = DEFAULT_MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or an :class:`InputError`."""
    check_regular_file(path, limit)
    try:
        with path.open("rb") as file:
            return read_at_most(file, limit, str(path))
    except OSError as exc:
        raise InputError(str(path), f"cannot read file ({exc.strerror or exc})") from exc


def decode(data: bytes, name: str) -> str:
    """``data`` decoded as text, or an :class:`InputError` naming ``name``."""
    try:
        return decode_bytes(data)[0]
    except DecodeError as exc:
        raise InputError(name, str(exc)) from exc


def read_text(path: Path, limit: int = DEFAULT_MAX_INPUT_BYTES) -> str:
    """The decoded text of a file, or an :class:`InputError` naming it."""
    return decode(read_bytes(path, limit), str(path))


def one_value(value: object, key: str, path: str, line: int) -> object:
    """``value``, or an :class:`InputError` at ``path:line`` when field ``key`` holds many.

    A JSON array or object, or a Parquet list column, is no article field.
    """
    if pd.api.types.is_list_like(value):
        kind = "list" if isinstance(value, Sized) and not isinstance(value, dict) else "map"
        raise InputError(path, f"field {key!r} holds a {kind}, not one value", line)
    return value


def read_stdin(limit: int = DEFAULT_MAX_INPUT_BYTES) -> str:
    """Standard input decoded as text, or an :class:`InputError` past ``limit`` bytes."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError(STDIN_NAME, "no standard input to read")
    return decode(read_at_most(stream, limit, STDIN_NAME), STDIN_NAME)


def _without_lone_surrogates(row: dict[str, object]) -> dict[str, object]:
    """``row`` with its lone surrogates, valid in JSON but never encodable, as U+FFFD."""
    text = json.dumps(row, ensure_ascii=False).encode("utf-16", "surrogatepass")
    fixed: dict[str, object] = json.loads(text.decode("utf-16", "replace"))
    return fixed


def _integer(text: str) -> int | str:
    """A JSON integer, or its text when Python refuses to read it (over 4,300 digits)."""
    try:
        return int(text)
    except ValueError:
        return text


def _decimal(text: str) -> float | str:
    """A JSON number with a fraction or exponent, or its text when beyond float range."""
    value = float(text)
    return value if math.isfinite(value) else text


def _row(line: str) -> object:
    """One JSONL line read as JSON; a number no float or int holds is kept as its text.

    ``1e999999``, an integer of 5,000 digits and the non-JSON ``NaN`` and ``Infinity``
    stay as written (a string): read as a number, they would be infinite or refused.
    """
    return json.loads(line, parse_int=_integer, parse_float=_decimal, parse_constant=str)


def _jsonl_rows(name: str, text: str) -> Iterator[Record | InputError]:
    # Lines end at "\n" only: U+2028, U+2029 and U+0085 are valid inside a JSON string.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = _row(line)
            if isinstance(row, dict) and _LONE_SURROGATE.search(line):
                row = _without_lone_surrogates(row)
        except json.JSONDecodeError as exc:
            yield InputError(name, f"malformed JSONL line ({exc.msg})", number)
            continue
        except RecursionError:
            yield InputError(name, "malformed JSONL line (nested too deeply)", number)
            continue
        if not isinstance(row, dict):
            yield InputError(name, "malformed JSONL line (not a JSON object)", number)
            continue
        yield number, row


def _open_quote(lines: list[str], first: int, delimiter: str) -> int:
    """The line (1-based) of the quote left open in the CSV row that starts on line ``first``."""
    opened, state = first, "start"  # start of a field, plain field, quoted, quote just closed
    for number, line in enumerate(lines[first - 1 :], start=first):
        for char in line:
            if state == "quoted":
                state = "closing" if char == '"' else state
            elif char == '"' and state in ("start", "closing"):
                state, opened = "quoted", number if state == "start" else opened
            else:
                state = "start" if char in (delimiter, "\n", "\r") else "plain"
    return opened


def _delimiter(header: str, usual: str) -> str:
    """The delimiter of a table whose first line is ``header``.

    That is ``usual`` when the header holds it, else the one of :data:`DELIMITERS` found
    there most often outside quotes (so a ``;``-separated CSV file reads too).
    """
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    if counts.get(usual):
        return usual
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else usual


def _header(values: list[str], name: str) -> list[str]:
    """The column names of a header row; a name given twice is an error."""
    names = [value.strip() for value in values]
    seen: set[str] = set()
    for column in names:
        if column.lower() in seen and column:
            raise InputError(name, f"the header names column {column!r} twice")
        seen.add(column.lower())
    return names


def _csv_rows(name: str, text: str, delimiter: str) -> Iterator[Record | InputError]:
    """Rows keyed by the header, each numbered by the line it starts on.

    The delimiter is ``delimiter`` unless the header holds none of it and another of
    :data:`DELIMITERS`. A row that breaks the CSV rules is an error and reading goes on after
    it; a quote that is never closed is an error at its line, and reading goes on from the
    next line. A blank line is no row; a row whose every field is blank is an error.
    """
    lines = io.StringIO(text, newline="").readlines()
    delimiter = _delimiter(lines[0], delimiter) if lines else delimiter
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    names: list[str] | None = None
    start = 0  # lines read so far
    while start < len(lines):
        rest = (lines[index] for index in range(start, len(lines)))
        reader = csv.reader(rest, delimiter=delimiter, strict=True)
        done = 0  # lines of this reader's rows so far
        try:
            for values in reader:
                number, done = start + done + 1, reader.line_num
                if names is None:
                    names = _header(values, name)
                    continue
                if len(values) <= 1 and not "".join(values).strip():
                    continue
                if not any(value.strip() for value in values):
                    yield InputError(name, "empty row (every field is blank)", number)
                    continue
                if len(values) != len(names):
                    message = f"row has {len(values)} fields, the header has {len(names)}"
                    yield InputError(name, message, number)
                    continue
                yield number, dict(zip(names, values, strict=True))
            return
        except csv.Error as exc:
            number = start + done + 1
            if "end of data" in str(exc):
                number = _open_quote(lines, number, delimiter)
                yield InputError(
                    name, "unterminated quote: the quoted field opened here never closes", number
                )
                start = number
            else:
                yield InputError(name, f"malformed CSV row ({exc})", number)
                start += max(reader.line_num, done + 1)


def _parquet_rows(path: Path, limit: int) -> Iterator[Record | InputError]:
    check_regular_file(path, limit)
    try:
        frame = pd.read_parquet(path)
    except ImportError as exc:
        raise InputError(
            str(path), "reading Parquet needs pyarrow: pip install 'samestory[parquet]'"
        ) from exc
    except Exception as exc:  # pyarrow raises its own error types for broken files
        raise InputError(str(path), f"cannot read Parquet ({exc})") from exc
    yield from enumerate(frame.to_dict("records"), start=1)


def parse_records(text: str, kind: str, name: str) -> Iterator[Record | InputError]:
    """Every row of a JSONL, CSV or TSV document (``kind``), or an error for a bad row."""
    if kind == "jsonl":
        return _jsonl_rows(name, text)
    return _csv_rows(name, text, "," if kind == "csv" else "\t")


def read_records(path: Path, limit: int = DEFAULT_MAX_INPUT_BYTES) -> Iterator[Record | InputError]:
    """Every row of a table file, or an error for a row that cannot be read.

    A whole file that cannot be read (or is over ``limit`` bytes) raises :class:`InputError`.
    """
    kind = TABLE_SUFFIXES[path.suffix.lower()]
    if kind == "parquet":
        yield from _parquet_rows(path, limit)
    else:
        yield from parse_records(read_text(path, limit), kind, str(path))


def _stdin_records(options: ReadOptions) -> Iterator[Record | InputError]:
    """The rows on standard input: JSONL when it starts with ``{``, else CSV, unless told."""
    text = read_stdin(options.max_input_bytes)
    kind = options.input_format or ("jsonl" if text.lstrip().startswith("{") else "csv")
    if kind not in STDIN_TABLE_FORMATS:
        raise InputError(
            STDIN_NAME, f"a table is needed here, not {kind}: --input-format jsonl|csv"
        )
    return parse_records(text, kind, STDIN_NAME)


def read_table(path: str | os.PathLike[str], options: ReadOptions | None = None) -> list[Record]:
    """Every numbered row of a JSONL, CSV, TSV or Parquet file; the first bad row raises.

    ``-`` is standard input; ``options`` give its format and the input size limit.
    """
    options = options or ReadOptions()
    if os.fspath(path) == STDIN:
        items = _stdin_records(options)
    elif Path(path).suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(os.fspath(path), "not a JSONL, CSV, TSV or Parquet file")
    else:
        items = read_records(Path(path), options.max_input_bytes)
    rows = []
    for item in items:
        if isinstance(item, InputError):
            raise item
        rows.append(item)
    return rows
