"""Missing values as tables and records carry them: None, NaN, NaT."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


def is_missing(value: object) -> bool:
    """True for None, a float NaN and pandas' NaT and NA; False for anything else."""
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def text_or_none(value: object) -> str | None:
    """``value`` as a string, or None when it is missing."""
    return None if is_missing(value) else str(value)


def iso_or_none(value: object) -> str | None:
    """A timestamp in ISO 8601, or None when it is missing."""
    return None if is_missing(value) else pd.Timestamp(value).isoformat()  # type: ignore[arg-type]


def is_infinite(value: object) -> bool:
    """True for a float (Python's or numpy's) that is infinite."""
    return isinstance(value, float | np.floating) and math.isinf(value)


def utc_iso_or_none(value: object) -> str | None:
    """A time as outputs write it: ISO 8601 in UTC with its zone (``…T06:15:00Z``), or None.

    Times are naive UTC inside samestory; a time with a zone is converted to UTC first.
    """
    if is_missing(value):
        return None
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.isoformat() + "Z"


def json_ready(record: Mapping[Any, Any]) -> dict[str, Any]:
    """A record with string keys, its missing values as None, and infinite numbers too.

    JSON has no NaN and no infinity: written bare, they would make the line invalid JSON.
    """
    return {
        str(key): None if is_missing(value) or is_infinite(value) else value
        for key, value in record.items()
    }


def plain(value: object) -> object:
    """A value JSON can hold (a ``json.dumps`` default).

    Timestamps become ISO 8601, numpy values Python ones, anything else its text.
    """
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    return str(value)
