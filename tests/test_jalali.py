"""Solar Hijri (Jalali) dates of Persian articles: "۹ آذر ۱۴۰۵" and "1405/09/09" are 2026-11-30."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from clustering import load_articles
from clustering.reading.dates import DateError, leading_date, parse_date

AZAR_9 = pd.Timestamp("2026-11-30")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("۹ آذر ۱۴۰۵", AZAR_9),
        ("9 آذر 1405", AZAR_9),
        ("شنبه ۹ آذر ۱۴۰۵", AZAR_9),
        ("1405/09/09", AZAR_9),
        ("۱۴۰۵/۰۹/۰۹", AZAR_9),
        ("1405-09-09", AZAR_9),
        ("۱۴۰۵-۰۹-۰۹ ۱۰:۳۰", pd.Timestamp("2026-11-30 10:30")),
        ("۹ آذر ۱۴۰۵ - ۱۰:۳۰", pd.Timestamp("2026-11-30 10:30")),
        ("۱ فروردین ۱۴۰۵", pd.Timestamp("2026-03-21")),
        ("29 اسفند 1404", pd.Timestamp("2026-03-20")),
        ("1403/12/30", pd.Timestamp("2025-03-20")),  # 1403 is a leap year
        ("18/06/1404", pd.Timestamp("2025-09-09")),
        ("۹ آذر ۱۳۰۰", pd.Timestamp("1921-11-30")),
        ("2026-02-06", pd.Timestamp("2026-02-06")),  # Gregorian years stay Gregorian
        ("2026-02-06T10:00:00.1405Z", pd.Timestamp("2026-02-06 10:00:00.1405")),
        ("09/10/1405", pd.Timestamp("2026-12-30")),  # day first: 9 Dey, as fa writes it
        ("1405-09-09T10:30:00+03:30", pd.Timestamp("2026-11-30 07:00")),
        ("1405/09/09 10:30 +0330", pd.Timestamp("2026-11-30 07:00")),
        ("١٤٠٥/٠٩/٠٩", AZAR_9),  # Arabic-Indic digits
        ("ساعت 1430 روز 9 آذر 1405", AZAR_9),
        ("۹ آذر ماه ۱۴۰۵", AZAR_9),
    ],
)
def test_persian_dates_with_a_solar_hijri_year_are_read_as_such(value, expected):
    assert parse_date(value, "fa") == expected


@pytest.mark.parametrize(
    "value",
    [
        "1405/12/30",
        "1405/13/01",
        "31 مهر 1405",
        "آذر ۱۴۰۵",
        "31 مهر 1405 01:20",  # a time after a day that does not exist
        "9 1405",  # no month: not filled in from today's date
        "روز ۹ سال ۱۴۰۵",
        "۹ کشته در زلزله ۱۴۰۵",  # "9 killed in the 1405 earthquake"
        "1405/09/09 25:00",
    ],
)
def test_a_day_the_solar_hijri_calendar_lacks_is_no_date(value):
    with pytest.raises(DateError, match=r"^cannot parse date "):
        parse_date(value, "fa")


@pytest.mark.parametrize("lang", ["en", "ar", None])
def test_other_languages_keep_the_gregorian_reading(lang):
    with pytest.raises(DateError, match=r"is before 1900: not a publication date$"):
        parse_date("1405/09/09", lang)


def test_a_persian_date_line_and_field_in_the_articles(tmp_path):
    assert leading_date("۹ آذر ۱۴۰۵\nعلیاف: ایران و آذربایجان", "fa") == (
        AZAR_9,
        "علیاف: ایران و آذربایجان",
    )
    row = {"id": "1", "title": "علیاف: ایران و آذربایجان دوست و برادرند", "lang": "fa"}
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({**row, "published": "۹ آذر ۱۴۰۵"}) + "\n", encoding="utf-8")
    assert load_articles([feed]).articles["published"].tolist() == [AZAR_9]
