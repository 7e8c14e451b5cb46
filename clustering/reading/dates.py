"""Publication dates: parsed from a field, or read off a leading date line.

ISO 8601 strings (with or without an offset, and week dates such as ``2026-W06-5``), epoch
numbers, numeric day/month/year and RFC 2822 (``Fri, 06 Feb 2026 10:00:00 +0100``) take a
fast path; any other text is read by
dateparser in the article's language, then English, then any language: "6 février 2026",
"6 fevral 2026", "6 Şubat 2026", "Feb 6, 2026". A numeric date such as ``03/02/2026`` is
read in the order the language writes dates (month first in English, day first where the
language is unknown). An epoch number is in seconds, milliseconds, microseconds or
nanoseconds by its size, except that eight digits starting with 19 or 2 are a day written
``YYYYMMDD``; the smallest nanosecond count (pandas' NaT) is a date before 1900, not none.
Relative dates ("2 hours ago"), dates without a day, month and year, and
dates whose year is not written in four digits are not read. In a Persian article, a date
whose year is 1300 to 1500 is Solar Hijri ("۹ آذر ۱۴۰۵", "1405/09/09": 2026-11-30; see
:mod:`clustering.reading.jalali`). Dates are naive UTC.

A date before 1900 or more than a year ahead of now cannot be a publication date: it is a
:class:`DateError`, as is a value that is no date.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import numbers
import re
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from clustering.reading.jalali import is_jalali, jalali_date
from clustering.reading.values import is_missing

EARLIEST = pd.Timestamp("1900-01-01")
#: How far past the present a publication date may lie (time zones, embargoed items).
AHEAD = pd.Timedelta(days=366)
_MAX_LENGTH = 100
_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.IGNORECASE,
)
#: An ISO 8601 week date with its day (``2026-W06-5``, ``2026W065``), optionally a time.
_ISO_WEEK = re.compile(r"\d{4}-?W\d{2}-?[1-7](?:[T ]\S+)?")
#: Any date dateparser is asked to read has a year in four digits (of any script).
_YEAR = re.compile(r"\d{4}")
_NUMBER = re.compile(r"[+-]?\d{1,30}(?:\.\d{1,30})?(?:e[+-]?\d{1,9})?", re.IGNORECASE)
_COMPACT = re.compile(r"(19\d\d|2\d\d\d)(\d\d)(\d\d)")
_NUMERIC = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")
_RFC_2822 = re.compile(
    r"(?:[a-z]{3},\s*)?\d{1,2}\s+[a-z]{3}\s+\d{4}\s+\d{2}:\d{2}(?::\d{2})?\s*(?:[+-]\d{4}|[a-z]{1,5})?",
    re.IGNORECASE,
)
#: Epoch units by size: below 1e11 seconds (up to year 5138), then ms, µs and ns.
_EPOCH_UNITS = ((1e11, "s"), (1e14, "ms"), (1e17, "us"))
_SETTINGS = {
    "TIMEZONE": "UTC",
    "TO_TIMEZONE": "UTC",
    "RETURN_AS_TIMEZONE_AWARE": False,
    "REQUIRE_PARTS": ["day", "month", "year"],
    "PARSERS": ["custom-formats", "absolute-time"],
}
_LABEL = r"(?:(?:date|dated|published|datum|fecha|tarih|tarix|تاریخ|تاريخ)\s*[:：]?\s*)?"
#: A date line: ISO, numeric day/month/year, or a month name with a day and a year.
_DATE_LINE = re.compile(
    r"^\s*"
    + _LABEL
    + r"(?P<date>"
    + _ISO.pattern
    + r"|\d{1,2}[./]\d{1,2}[./]\d{4}"
    + r"|\d{1,2}\.?\s+[^\W\d_]{3,12}\.?,?\s+\d{4}"
    + r"|[^\W\d_]{3,12}\.?\s+\d{1,2},?\s+\d{4})(?!\w)",
    re.IGNORECASE,
)


class DateError(ValueError):
    """A value that is not a date, or not one an article can have been published on."""


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


@lru_cache(maxsize=256)
def _reading(lang: str | None) -> tuple[tuple[tuple[str, ...] | None, ...], str]:
    """The languages dateparser tries for ``lang`` in turn (None: any), and its date order.

    The order of day, month and year is ``DMY``, ``MDY`` or ``YMD``, per dateparser's locales.
    """
    from dateparser.data.languages_info import language_order
    from dateparser.languages.loader import default_loader

    if lang is None or lang not in language_order:
        return (None,), "DMY"
    order = str(default_loader.get_locale(lang).info.get("date_order") or "DMY")
    return ((lang,) if lang == "en" else (lang, "en"), None), order


def _dateparser(text: str, lang: str | None) -> dt.datetime | None:
    import dateparser

    tries, order = _reading(lang)
    settings: Any = {**_SETTINGS, "DATE_ORDER": order}
    for languages in tries:
        try:
            found = dateparser.parse(
                text, languages=None if languages is None else list(languages), settings=settings
            )
        except (ValueError, TypeError, OverflowError, OSError):
            found = None
        if found is not None:
            return found
    return None


@lru_cache(maxsize=4096)
def _from_text(text: str, lang: str | None) -> pd.Timestamp | None:
    if lang == "fa" and is_jalali(text):
        return jalali_date(text)
    if _ISO.fullmatch(text):
        return pd.Timestamp(text)
    if _ISO_WEEK.fullmatch(text):  # before dateparser, which reads 2026-W06-5 as 5 June
        return pd.Timestamp(dt.datetime.fromisoformat(text))
    if _NUMBER.fullmatch(text):
        return _from_number(int(text) if text.lstrip("+-").isdigit() else float(text))
    numeric = _NUMERIC.fullmatch(text)
    order = _reading(lang)[1]
    if numeric and order in ("DMY", "MDY"):
        first, second, year = map(int, numeric.groups())
        day, month = (first, second) if order == "DMY" else (second, first)
        return pd.Timestamp(year, month, day)
    if _RFC_2822.fullmatch(text):  # the year as written: email.utils reads 0001 as 2001
        year = int(_YEAR.findall(text)[0])
        return pd.Timestamp(email.utils.parsedate_to_datetime(text).replace(year=year))
    if not _YEAR.search(text):
        return None
    found = _dateparser(text, lang)
    return None if found is None else pd.Timestamp(found)


def _from_number(value: float) -> pd.Timestamp:
    if not math.isfinite(value):
        raise ValueError(value)
    compact = _COMPACT.fullmatch(str(value)) if isinstance(value, int) else None
    if compact:
        year, month, day = map(int, compact.groups())
        return pd.Timestamp(year, month, day)
    unit = next((unit for limit, unit in _EPOCH_UNITS if abs(value) < limit), "ns")
    stamp = pd.Timestamp(value, unit=unit)
    # pandas' NaT is the smallest nanosecond count: a date before any other, not a missing one
    return pd.Timestamp.min if pd.isna(stamp) else stamp


def _stamp(value: object, lang: str | None) -> pd.Timestamp | None:
    if isinstance(value, str):
        return _from_text(value.strip(), lang) if len(value) <= _MAX_LENGTH else None
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, numbers.Real):
        return _from_number(int(value) if isinstance(value, numbers.Integral) else float(value))
    if isinstance(value, dt.date | np.datetime64):
        return pd.Timestamp(value)
    return None


def _parse(value: object, lang: str | None) -> pd.Timestamp | None:
    """A naive UTC timestamp, None for an empty value; :class:`DateError` if it is no date."""
    if is_missing(value) or (isinstance(value, str) and not value.strip()):
        return None
    try:
        stamp = _stamp(value, lang)
    except (ValueError, TypeError, OverflowError) as exc:
        raise DateError(f"cannot parse date {_shown(value)}") from exc
    if stamp is None:
        raise DateError(f"cannot parse date {_shown(value)}")
    if pd.isna(stamp):
        return None
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo is not None else stamp


def _publication(stamp: pd.Timestamp | None, value: object) -> pd.Timestamp | None:
    """``stamp`` (in microseconds, as pandas reads dates) if an article can be published then."""
    if stamp is None:
        return None
    if stamp < EARLIEST:
        raise DateError(f"date {_shown(value)} is before 1900: not a publication date")
    if stamp > pd.Timestamp.now("UTC").tz_localize(None) + AHEAD:
        raise DateError(f"date {_shown(value)} is more than a year ahead: not a publication date")
    return stamp.as_unit("us")


def parse_date(value: object, lang: str | None = None) -> pd.Timestamp | None:
    """A publication date from a field value, as naive UTC; None for an empty value.

    ``lang`` is the article's language (ISO 639-1), for month names and the order of day
    and month. Raises :class:`DateError` for anything but a publication date.
    """
    return _publication(_parse(value, lang), value)


def leading_date(text: str, lang: str | None = None) -> tuple[pd.Timestamp | None, str]:
    """A date written at the very start of ``text``, and the text without it.

    Reads ``2026-02-06`` (optionally with a time, and labelled ``date``, ``published`` …),
    ``06.02.2026``, ``6 février 2026`` and ``February 6, 2026``, as :func:`parse_date` does
    in the language ``lang``. A date line that is no publication date raises
    :class:`DateError`; text that starts with no date is returned whole, with None.
    """
    match = _DATE_LINE.match(text)
    if not match:
        return None, text
    try:
        stamp = _parse(match.group("date"), lang)
    except DateError:
        return None, text
    return _publication(stamp, match.group("date")), text[match.end() :].lstrip(" \t\n:-–—|,")
