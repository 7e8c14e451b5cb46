"""Publication dates: parsed from a field, or read off a leading date line."""

from __future__ import annotations

import re

import pandas as pd

from clustering.reading.values import is_missing

_MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_LABEL = r"(?:(?:date|dated|published|datum|fecha|tarih|tarix|تاریخ|تاريخ)\s*[:：]?\s*)?"
_ISO = re.compile(
    r"^\s*"
    + _LABEL
    + r"(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?)\b",
    re.IGNORECASE,
)
_DMY = re.compile(r"^\s*" + _LABEL + r"(\d{1,2})[./](\d{1,2})[./](\d{4})\b", re.IGNORECASE)
_D_MONTH_Y = re.compile(
    r"^\s*" + _LABEL + r"(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b", re.IGNORECASE
)
_MONTH_D_Y = re.compile(
    r"^\s*" + _LABEL + r"([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})\b", re.IGNORECASE
)


class DateError(ValueError):
    """A value that is not a date."""


def parse_date(value: object) -> pd.Timestamp | None:
    """A timestamp from a field value, as naive UTC; None for an empty value."""
    if is_missing(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    try:
        stamp = pd.Timestamp(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (ValueError, TypeError, OverflowError) as exc:
        raise DateError(f"cannot parse date {value!r}") from exc
    if pd.isna(stamp):
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp


def _stamp(year: str, month: int | None, day: str) -> pd.Timestamp | None:
    if month is None:
        return None
    try:
        return pd.Timestamp(year=int(year), month=month, day=int(day))
    except ValueError:
        return None


def leading_date(text: str) -> tuple[pd.Timestamp | None, str]:
    """A date written at the very start of ``text``, and the text without it.

    Reads ``2026-02-06`` (optionally with a time, and labelled ``date``, ``published`` …),
    ``06.02.2026`` or ``06/02/2026`` (day first), ``6 February 2026`` and ``February 6, 2026``.
    """
    match = _ISO.match(text)
    if match:
        try:
            return parse_date(match.group(1)), text[match.end() :].lstrip(" \t\n:-–—|,")
        except DateError:
            return None, text
    stamp = None
    for pattern in (_DMY, _D_MONTH_Y, _MONTH_D_Y):
        match = pattern.match(text)
        if not match:
            continue
        if pattern is _DMY:
            stamp = _stamp(match.group(3), int(match.group(2)), match.group(1))
        elif pattern is _D_MONTH_Y:
            stamp = _stamp(match.group(3), _MONTHS.get(match.group(2).lower()), match.group(1))
        else:
            stamp = _stamp(match.group(3), _MONTHS.get(match.group(1).lower()), match.group(2))
        if stamp is not None:
            return stamp, text[match.end() :].lstrip(" \t\n:-–—|,")
    return None, text
