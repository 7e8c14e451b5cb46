"""Publication dates: every way a field or a date line writes one, and dates no article has."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clustering import articles_from_records, load_articles
from clustering.cli import main
from clustering.errors import InputError
from clustering.reading.dates import AHEAD, EARLIEST, DateError, leading_date, parse_date

BAKU = pd.Timestamp("2026-02-06")
EPOCH = 1770336000  # 2026-02-06T00:00:00Z
LANGS = [None, "en", "fr", "tr", "az", "fa", "ru", "zh", "xx"]


@pytest.mark.parametrize(
    "value, lang, expected",
    [
        ("6 février 2026", "fr", BAKU),
        ("6 fevral 2026", "az", BAKU),
        ("6 Şubat 2026", "tr", BAKU),
        ("6 fevral 2026", None, BAKU),
        ("6 Şubat 2026", "fr", BAKU),
        ("Feb 6, 2026", "tr", BAKU),
        ("6 лютого 2026", "uk", BAKU),
        ("03/02/2026", "en", pd.Timestamp("2026-03-02")),
        ("03/02/2026", "fr", pd.Timestamp("2026-02-03")),
        ("03/02/2026", None, pd.Timestamp("2026-02-03")),
        ("06.02.2026", "de", BAKU),
        ("2026-02-06T10:00:00+03:30", None, pd.Timestamp("2026-02-06 06:30")),
        ("2026-02-06 10:00:00 -0500", "en", pd.Timestamp("2026-02-06 15:00")),
        ("2026-02-06T10:00:00.250Z", None, pd.Timestamp("2026-02-06 10:00:00.250")),
        ("Fri, 06 Feb 2026 10:00:00 +0100", None, pd.Timestamp("2026-02-06 09:00")),
        (EPOCH, None, BAKU),
        (EPOCH * 1000, None, BAKU),
        (str(EPOCH), None, BAKU),
        (str(EPOCH * 1000), None, BAKU),
        (EPOCH + 0.5, None, pd.Timestamp("2026-02-06 00:00:00.5")),
        (np.int64(EPOCH), None, BAKU),
        (20260206, None, BAKU),
        ("20260206", None, BAKU),
        (pd.Timestamp("2026-02-06 04:00", tz="Asia/Baku"), None, BAKU),
        (dt.date(2026, 2, 6), None, BAKU),
        (np.datetime64("2026-02-06"), None, BAKU),
        ("  ", None, None),
        (np.datetime64("NaT"), None, None),
    ],
)
def test_field_dates(value, lang, expected):
    assert parse_date(value, lang) == expected


@pytest.mark.parametrize(
    "value",
    ["someday", "3 hours ago", "February 2026", "2026-02-30", True, [2026], float("inf"), 1e300],
)
def test_values_that_are_no_date(value):
    with pytest.raises(DateError, match=r"^cannot parse date "):
        parse_date(value)


@pytest.mark.parametrize(
    "value, message",
    [
        ("0001-01-01", "date '0001-01-01' is before 1900: not a publication date"),
        (  # email.utils alone reads the year 0001 as 2001
            "Mon, 01 Jan 0001 00:00:00 GMT",
            "date 'Mon, 01 Jan 0001 00:00:00 GMT' is before 1900: not a publication date",
        ),
        (
            "1899-12-31T23:59:59Z",
            "date '1899-12-31T23:59:59Z' is before 1900: not a publication date",
        ),
        ("9999-12-31", "date '9999-12-31' is more than a year ahead: not a publication date"),
        ("2262-04-12", "date '2262-04-12' is more than a year ahead: not a publication date"),
        (EPOCH * 10, f"date {EPOCH * 10} is more than a year ahead: not a publication date"),
        (
            np.datetime64("0001-01-01"),
            "date np.datetime64('0001-01-01') is before 1900: not a publication date",
        ),
    ],
)
def test_dates_no_article_has(value, message):
    with pytest.raises(DateError) as caught:
        parse_date(value)
    assert str(caught.value) == message


def test_a_year_ahead_is_the_limit():
    soon = pd.Timestamp.now("UTC").tz_localize(None).floor("D") + AHEAD - pd.Timedelta(days=1)
    assert parse_date(soon.isoformat()) == soon
    with pytest.raises(DateError, match="more than a year ahead"):
        parse_date((soon + pd.Timedelta(days=3)).isoformat())


@pytest.mark.parametrize(
    "text, lang, date, rest",
    [
        ("6 Şubat 2026 Aliyev heyeti kabul etti", "tr", BAKU, "Aliyev heyeti kabul etti"),
        ("6 février 2026 — Aliyev a reçu", "fr", BAKU, "Aliyev a reçu"),
        ("Tarix: 6 fevral 2026\nƏliyev qəbul edib", "az", BAKU, "Əliyev qəbul edib"),
        ("03/02/2026 Aliyev met", "en", pd.Timestamp("2026-03-02"), "Aliyev met"),
        ("12 Angry Men 1957 is a film", "en", None, "12 Angry Men 1957 is a film"),
    ],
)
def test_leading_date_in_the_article_language(text, lang, date, rest):
    assert leading_date(text, lang) == (date, rest)


def test_a_date_line_no_article_has_is_an_error():
    with pytest.raises(DateError, match=r"^date '0001-01-01' is before 1900"):
        leading_date("0001-01-01\nFloods hit the north")


def test_epoch_numbers_in_records_are_seconds_or_milliseconds():
    records = [
        {"id": "s", "title": "Floods hit the north", "published": EPOCH},
        {"id": "ms", "title": "Minister visits Baku", "published": EPOCH * 1000 + 1500},
    ]
    table = articles_from_records(records).articles
    assert table["published"].tolist() == [BAKU, pd.Timestamp("2026-02-06 00:00:01.5")]


def test_the_article_language_orders_day_and_month(tmp_path):
    rows = [
        {"id": "en", "lang": "en", "title": "Minister visits Baku", "date": "03/02/2026"},
        {"id": "fr", "lang": "fr", "title": "Le ministre à Bakou", "date": "03/02/2026"},
        {"id": "tr", "title": "Bakan Bakü'de Aliyev ile görüştü", "date": "6 Şubat 2026"},
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    table = load_articles([path]).articles
    assert table["lang"].tolist() == ["en", "fr", "tr"]
    assert table["published"].tolist() == [
        pd.Timestamp("2026-03-02"),
        pd.Timestamp("2026-02-03"),
        BAKU,
    ]


# --- the command line: one error line, or skipped under --skip-bad ---------------------------

GOOD = '{"id": "ok", "title": "Minister visits Baku", "published": "2026-02-06"}\n'
RSS = (
    "<rss version='2.0'><channel><title>Wire</title><item><guid>1</guid>"
    "<title>Floods hit the north</title><pubDate>{}</pubDate></item></channel></rss>"
)


def _bad_inputs(tmp_path):
    """A file of each kind whose one article has a date no article has, and its error line."""
    (tmp_path / "a.jsonl").write_text(
        '{"id": "a", "title": "Floods hit the north", "published": "0001-01-01"}\n'
    )
    (tmp_path / "b.jsonl").write_text(
        '{"id": "b", "title": "Floods hit the north", "published": "9999-12-31"}\n'
    )
    (tmp_path / "c.jsonl").write_text(
        '{"id": "c", "title": "Floods hit the north", "published": "2262-04-12"}\n'
    )
    (tmp_path / "d.txt").write_text("0001-01-01\nFloods hit the north\n")
    (tmp_path / "e.rss").write_text(RSS.format("Mon, 01 Jan 0001 00:00:00 GMT"))
    frame = pd.DataFrame(
        {
            "id": ["f"],
            "title": ["Floods hit the north"],
            "published": [np.datetime64("0001-01-01", "s")],
        }
    )
    frame.to_parquet(tmp_path / "f.parquet")
    before, ahead = (
        "is before 1900: not a publication date",
        "is more than a year ahead: not a publication date",
    )
    return {
        "a.jsonl": f"a.jsonl:1: date '0001-01-01' {before}",
        "b.jsonl": f"b.jsonl:1: date '9999-12-31' {ahead}",
        "c.jsonl": f"c.jsonl:1: date '2262-04-12' {ahead}",
        "d.txt": f"d.txt: date '0001-01-01' {before}",
        "e.rss": f"e.rss:1: date 'Mon, 01 Jan 0001 00:00:00 GMT' {before}",
        "f.parquet": f"f.parquet:1: date Timestamp('0001-01-01 00:00:00') {before}",
    }


@pytest.fixture
def bad_inputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.jsonl").write_text(GOOD)
    return _bad_inputs(tmp_path)


@pytest.mark.parametrize("name", ["a.jsonl", "b.jsonl", "c.jsonl", "d.txt", "e.rss", "f.parquet"])
def test_a_date_no_article_has_is_one_error_line(runner, bad_inputs, name):
    result = runner.invoke(main, ["cluster", "good.jsonl", name])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {bad_inputs[name]}\n"


def test_skip_bad_skips_every_date_no_article_has(runner, bad_inputs):
    names = sorted(bad_inputs)
    result = runner.invoke(
        main, ["cluster", "--skip-bad", "--format", "jsonl", "good.jsonl", *names]
    )
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        *(f"Skipped: {bad_inputs[name]}" for name in names),
        "6 inputs skipped, 1 articles kept",
    ]
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["ok"]


@pytest.mark.slow
def test_watch_stores_the_good_sources_past_a_bad_date(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "wire").mkdir()
    (tmp_path / "wire" / "one.txt").write_text(
        "Floods hit the northern province after days of rain."
    )
    (tmp_path / "bad.jsonl").write_text(
        '{"id": "b", "title": "Floods hit the north", "published": "9999-12-31"}\n'
    )
    args = ["watch", "--store", "s.db", "bad.jsonl", "wire", "--interval", "0.001", "--count", "2"]
    result = runner.invoke(main, args)
    error = (
        "Error: bad.jsonl:1: date '9999-12-31' is more than a year ahead: not a publication date"
    )
    assert result.stderr.splitlines() == [
        error,
        error,
        "Error: bad.jsonl: failed on every poll (2 of 2)",
    ]
    assert result.exit_code == 2
    assert result.stdout == "one.txt\tS1\tnew\n"
    exported = runner.invoke(main, ["export", "--store", "s.db"])
    assert [json.loads(line)["id"] for line in exported.stdout.splitlines()] == ["one.txt"]


# --- properties --------------------------------------------------------------------------------

_VALUES = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.from_regex(r"\A\d{1,2}[ ./-]\w{1,9}[ ./-]\d{1,5}\Z"),
    st.from_regex(r"\A[+-]?\d{1,6}-\d{1,2}-\d{1,2}(T\d\d:\d\d(:\d\d)?)?\Z"),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.datetimes(),
    st.dates(),
)


@pytest.mark.fuzz
@given(value=_VALUES, lang=st.sampled_from(LANGS))
def test_any_value_is_a_publication_date_none_or_a_date_error(value, lang):
    try:
        stamp = parse_date(value, lang)
    except DateError:
        return
    latest = pd.Timestamp.now("UTC").tz_localize(None) + AHEAD
    assert stamp is None or EARLIEST <= stamp <= latest


@pytest.mark.fuzz
@given(text=st.text(max_size=60), lang=st.sampled_from(LANGS))
def test_any_text_starts_with_a_publication_date_or_none(text, lang):
    try:
        stamp, rest = leading_date(text, lang)
    except DateError:
        return
    latest = pd.Timestamp.now("UTC").tz_localize(None) + AHEAD
    assert (stamp is None and rest == text) or EARLIEST <= stamp <= latest


@pytest.mark.fuzz
@given(dates=st.lists(_VALUES, min_size=1, max_size=5))
def test_every_article_is_kept_once_or_skipped(dates):
    records = [
        {"id": str(number), "title": f"Story {number}", "published": value}
        for number, value in enumerate(dates)
    ]
    try:
        loaded = articles_from_records(records, skip_bad=True)
    except InputError as exc:  # nothing left at all
        assert str(exc).endswith(f"({len(records)} skipped)")
        return
    kept = loaded.articles["id"].tolist()
    skipped = [int(error.line) - 1 for error in loaded.skipped]
    assert sorted([*map(int, kept), *skipped]) == list(range(len(records)))


@pytest.mark.parametrize(
    "lang, date, expected",
    [
        ("fa", "۹ آذر ۱۴۰۵ - ۱۰:۳۰", "2026-11-30 10:30"),  # feedparser reads none
        ("fa", "1405/09/09 10:30", "2026-11-30 10:30"),  # feedparser reads the year 1405
        ("en", "Fri, 06 Feb 2026 09:30:00 +0300", "2026-02-06 06:30"),
        ("en", "Fri, 06 Feb 2026 09:30:00 EST", "2026-02-06 14:30"),
    ],
)
def test_a_feed_date_is_read_as_written_in_the_feed_language(tmp_path, lang, date, expected):
    feed = RSS.replace("<channel>", f"<channel><language>{lang}</language>").format(date)
    (tmp_path / "f.rss").write_text(feed, encoding="utf-8")
    published = load_articles([tmp_path / "f.rss"]).articles["published"]
    assert published.tolist() == [pd.Timestamp(expected)]


def test_a_feed_date_that_is_no_date_is_one_error_line(tmp_path):
    (tmp_path / "f.rss").write_text(RSS.format("someday"), encoding="utf-8")
    with pytest.raises(InputError, match=r"^.*f\.rss:1: cannot parse date 'someday'$"):
        load_articles([tmp_path / "f.rss"])
