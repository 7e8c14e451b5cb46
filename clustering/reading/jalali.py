"""Solar Hijri (Jalali) dates, as Persian news pages and feeds write them.

"۹ آذر ۱۴۰۵", "1405/09/09" and "۱۴۰۵-۰۹-۰۹ ۱۰:۳۰" are read by dateparser's Jalali calendar
(with convertdate). A date that does not exist in that calendar (30 Esfand of a common
year, month 13) is no date, rather than the day dateparser rolls it over to.
"""

from __future__ import annotations

import re

import pandas as pd

#: The years a Persian date field is read as Solar Hijri: 1300 (1921) to 1500 (2121).
YEARS = range(1300, 1501)
_NUMBERS = re.compile(r"\d+")
_FOUR_DIGITS = re.compile(r"(?<!\d)\d{4}(?!\d)")
_YEAR_FIRST = re.compile(r"(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?!\d)")


def _numbers(text: str) -> list[int]:
    return [int(number) for number in _NUMBERS.findall(text)]  # int() reads ۰-۹ too


def is_jalali(text: str) -> bool:
    """True when the first number of four digits (any script) in ``text`` is in :data:`YEARS`.

    That number is the year of any date written with one; later ones may be a time's.
    """
    year = _FOUR_DIGITS.search(text)
    return year is not None and int(year.group()) in YEARS


def jalali_date(text: str) -> pd.Timestamp | None:
    """The Gregorian date (and time, if written) of a Solar Hijri date; None if it is none."""
    from convertdate import persian
    from dateparser.calendars.jalali import JalaliCalendar

    found = JalaliCalendar(text).get_date()
    if found is None or found.date_obj is None:
        return None
    stamp = pd.Timestamp(found.date_obj)
    year, month, day = persian.from_gregorian(stamp.year, stamp.month, stamp.day)
    written = _YEAR_FIRST.search(text)
    if written:  # the day as written, not one rolled over or with day and month swapped
        exact = tuple(int(part) for part in written.groups()) == (year, month, day)
    else:
        numbers = _numbers(text)
        exact = year in numbers and day in numbers
    return stamp if exact else None
