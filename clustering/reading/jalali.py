"""Solar Hijri (Jalali) dates, as Persian news pages and feeds write them.

Three forms are read, in any script's digits: year first ("1405/09/09", "۱۴۰۵-۰۹-۰۹"),
day first ("09/09/1405", as Persian writes numeric dates) and a month's name ("۹ آذر
۱۴۰۵", "شنبه ۹ آذر ۱۴۰۵"), each optionally followed by a time ("10:30", "T10:30:00") and
an offset ("+03:30", "Z"). Day, month and year must all be written, and the day must
exist in that calendar (30 Esfand only in a leap year, 31 days only in the first six
months): anything else is no date, rather than a day filled in from today's date or
rolled over to the next month. convertdate does the conversion.
"""

from __future__ import annotations

import re

import pandas as pd

#: The years a Persian date field is read as Solar Hijri: 1300 (1921) to 1500 (2121).
YEARS = range(1300, 1501)

#: The months' names, in order (Mordad also as Amordad).
MONTHS = (
    ("فروردین",),
    ("اردیبهشت",),
    ("خرداد",),
    ("تیر",),
    ("مرداد", "امرداد"),
    ("شهریور",),
    ("مهر",),
    ("آبان",),
    ("آذر",),
    ("دی",),
    ("بهمن",),
    ("اسفند",),
)
_MONTH_NUMBER = {name: number for number, names in enumerate(MONTHS, 1) for name in names}
_FOUR_DIGITS = re.compile(r"(?<!\d)\d{4}(?!\d)")
_YEAR_FIRST = re.compile(r"(?<!\d)(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?!\d)")
_DAY_FIRST = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")
_NAMED = re.compile(
    r"(?<!\d)(\d{1,2})\s+(" + "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True)) + r")"
    r"(?:\s+ماه)?\s+(\d{4})(?!\d)"
)
_TIME = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*(Z|[+-]\d{2}:?\d{2}))?(?!\d)")
#: Arabic letters Persian text is often typed with, and their Persian forms.
_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})


def is_jalali(text: str) -> bool:
    """True when the first number of four digits (any script) in ``text`` is in :data:`YEARS`.

    That number is the year of any date written with one; later ones may be a time's.
    """
    year = _FOUR_DIGITS.search(text)
    return year is not None and int(year.group()) in YEARS


def jalali_date(text: str) -> pd.Timestamp | None:
    """The Gregorian date (and time, naive UTC) of a Solar Hijri date; None if it is none."""
    from convertdate import persian

    text = text.translate(_LETTERS)
    found = _parts(text)
    if found is None:
        return None
    (year, month, day), end = found
    if (
        year not in YEARS
        or not 1 <= month <= 12
        or not 1 <= day <= persian.month_length(year, month)
    ):
        return None
    stamp = pd.Timestamp(*persian.to_gregorian(year, month, day))
    time = _TIME.search(text, end)
    if time is None:
        return stamp
    hours, minutes, seconds = (int(part or 0) for part in time.groups()[:3])
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    stamp += pd.Timedelta(hours=hours, minutes=minutes, seconds=seconds)
    offset = time.group(4)
    if offset and offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        stamp -= sign * pd.Timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return stamp


def _parts(text: str) -> tuple[tuple[int, int, int], int] | None:
    """(year, month, day) as written first in ``text``, and where the date ends."""
    matches = [
        (match, order)
        for pattern, order in ((_YEAR_FIRST, "ymd"), (_DAY_FIRST, "dmy"), (_NAMED, "dmy"))
        if (match := pattern.search(text))
    ]
    if not matches:
        return None
    match, order = min(matches, key=lambda found: found[0].start())
    first, middle, last = match.groups()
    month = _MONTH_NUMBER.get(middle) or int(middle)
    year, day = (int(first), int(last)) if order == "ymd" else (int(last), int(first))
    return (year, month, day), match.end()
