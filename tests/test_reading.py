"""Every input kind into the uniform table: decoding, markup, boilerplate, dates, language."""

from __future__ import annotations

import pandas as pd
import pytest

from clustering import ARTICLE_COLUMNS, articles_from_records, load_articles
from clustering.reading.cleaning import clean_text
from clustering.reading.dates import leading_date
from clustering.reading.decoding import decode_bytes
from tests.conftest import SEEDS

TURKISH = "İran Savunma Bakanı Tuğgeneral Aziz Nasirzade, Cumhurbaşkanı Aliyev ile görüştü."
ARABIC = "استقبل الرئيس الأذربيجاني إلهام علييف وزير الدفاع الإيراني عزيز نصير زاده في باكو."
RUSSIAN = "Президент Азербайджана Ильхам Алиев принял министра обороны Ирана в Баку."


@pytest.mark.parametrize(
    "text, encoding, expected",
    [
        (TURKISH, "cp1254", "cp1254"),
        (ARABIC, "cp1256", "cp1256"),
        (RUSSIAN, "cp1251", "cp1251"),
        ("Le ministre iranien de la Défense a rencontré le président à Bakou.", "cp1252", "cp1252"),
        (TURKISH, "utf-16", "utf-16"),
        (ARABIC, "utf-8-sig", "utf-8-sig"),
        (RUSSIAN, "utf-8", "utf-8"),
    ],
)
def test_decoding_finds_the_encoding(text, encoding, expected):
    assert decode_bytes(text.encode(encoding)) == (text, expected)


def test_seed_boilerplate_is_removed():
    articles = load_articles([SEEDS]).articles.set_index("id")
    french = articles.loc["002_58349e569f7a92d2.txt", "text"]
    assert "NEWSLETTER" not in french and "WHATSAPP" not in french
    assert french.endswith("depuis des pays de la région.")
    azeri = articles.loc["001_b7f091aae76eeadc.txt"]
    assert azeri["title"] == "Əliyev Məhəmməd Baqir Qalibafı qəbul edib"
    assert "©" not in azeri["text"] and "SİYASƏT" not in azeri["text"]
    assert "**" not in azeri["text"] and "](#)" not in azeri["text"]
    assert azeri["text"].endswith("Ardınca Azərbaycan İrana humanitar yardım göndərdi.")
    english = articles.loc["004_5504c892ed689994.txt", "text"]
    assert english.startswith("Azerbaijani President Ilham Aliyev on Friday")
    persian = articles.loc["003_d63d3c6d141cb4c1.txt"]
    assert persian["title"] == "علیاف: ایران و آذربایجان دوست و برادرند"
    assert not persian["text"].endswith("انتهای پیام")


def test_seed_metadata():
    articles = load_articles([SEEDS]).articles.set_index("id")
    assert list(articles["lang"]) == ["tr", "az", "fr", "fa", "en"]
    turkish = articles.loc["000_6a94ddf4fcffe0c0.txt"]
    assert turkish["published"] == pd.Timestamp("2026-02-06")
    assert turkish["title"].startswith("Azerbaycan Cumhurbaşkanı İlham Aliyev, bugün")
    assert articles["published"].isna().sum() == 4


def test_cleaning_keeps_news_and_drops_promotions():
    text = (
        "KYIV\n"
        "Parliament passed the budget on Tuesday after a long debate.\n"
        "Subscribe to our newsletter\n"
        "Share on Facebook\n"
        "The newsletter of the central bank, published monthly, said inflation fell to four "
        "percent over the summer months, the lowest level in three years.\n"
        "https://example.org/story\n"
        "© 2026 Example Media. All rights reserved.\n"
    )
    assert clean_text(text) == (
        "Parliament passed the budget on Tuesday after a long debate.\n"
        "The newsletter of the central bank, published monthly, said inflation fell to four "
        "percent over the summer months, the lowest level in three years."
    )


def test_cleaning_normalizes_to_nfc():
    decomposed = "Nasirzade\u0301 Cumhurbas\u0327kani"
    assert clean_text(decomposed) == "Nasirzadé Cumhurbaşkani"


@pytest.mark.parametrize(
    "text, date, rest",
    [
        (" date 2026-02-06 Aliyev met", "2026-02-06", "Aliyev met"),
        ("Published: 2026-02-06T10:30:00Z\nAliyev met", "2026-02-06 10:30", "Aliyev met"),
        ("06.02.2026 - Aliyev met", "2026-02-06", "Aliyev met"),
        ("6 February 2026 Aliyev met", "2026-02-06", "Aliyev met"),
        ("February 6, 2026: Aliyev met", "2026-02-06", "Aliyev met"),
        ("Aliyev met on 2026-02-06", None, "Aliyev met on 2026-02-06"),
    ],
)
def test_leading_date(text, date, rest):
    stamp, remainder = leading_date(text)
    assert stamp == (pd.Timestamp(date) if date else None)
    assert remainder == rest


def _table(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return load_articles([path]).articles


def test_jsonl_csv_and_tsv_give_the_same_table(tmp_path):
    rows = [
        {
            "id": "a1",
            "title": "Floods hit the northern province",
            "text": "Rivers burst their banks.",
            "published": "2021-07-01T13:21:00+02:00",
            "lang": "eng",
            "source": "Wire",
            "url": "https://x.test/a1",
        },
        {
            "id": "a2",
            "headline": "Inondations dans le nord du pays",
            "body": "Les rivières ont débordé.",
            "date": "2021-07-02",
            "link": "https://x.test/a2",
        },
    ]
    jsonl = _table(
        tmp_path, "f.jsonl", "\n".join(pd.Series(rows).map(pd.io.json.ujson_dumps)) + "\n"
    )
    assert list(jsonl.columns) == list(ARTICLE_COLUMNS)
    assert list(jsonl["id"]) == ["a1", "a2"]
    assert list(jsonl["title"]) == [
        "Floods hit the northern province",
        "Inondations dans le nord du pays",
    ]
    assert list(jsonl["lang"]) == ["en", "fr"]
    assert list(jsonl["published"]) == [
        pd.Timestamp("2021-07-01 11:21"),
        pd.Timestamp("2021-07-02"),
    ]
    assert jsonl["source"].iloc[0] == "Wire" and pd.isna(jsonl["source"].iloc[1])
    assert list(jsonl["url"]) == ["https://x.test/a1", "https://x.test/a2"]
    assert list(jsonl["path"]) == [f"{tmp_path / 'f.jsonl'}:1", f"{tmp_path / 'f.jsonl'}:2"]
    frame = pd.DataFrame(rows)
    csv = _table(tmp_path, "f.csv", frame.to_csv(index=False))
    tsv = _table(tmp_path, "f.tsv", frame.to_csv(index=False, sep="\t"))
    for other in (csv, tsv):
        pd.testing.assert_frame_equal(other.drop(columns="path"), jsonl.drop(columns="path"))


def test_parquet(tmp_path):
    frame = pd.DataFrame(
        {"id": [1, 2], "title": ["Floods hit the north", "Wildfires spread in the south"]}
    )
    frame.to_parquet(tmp_path / "f.parquet")
    table = load_articles([tmp_path / "f.parquet"]).articles
    assert list(table["id"]) == ["1", "2"]
    assert list(table["path"]) == [f"{tmp_path / 'f.parquet'}:1", f"{tmp_path / 'f.parquet'}:2"]


def test_html_page(tmp_path):
    page = """<!doctype html><html lang="de"><head><title>Site | Hochwasser</title>
    <meta property="og:title" content="Hochwasser im Norden">
    <meta property="article:published_time" content="2021-07-15T08:00:00Z">
    <meta property="og:url" content="https://news.test/hochwasser">
    <meta property="og:site_name" content="News Test">
    <script>var tracking = 1;</script></head>
    <body><nav>Startseite Politik Sport</nav>
    <article><h1>Hochwasser im Norden</h1><p>Die Flüsse sind &uuml;ber die Ufer getreten.</p>
    <p>Newsletter abonnieren</p></article><footer>© 2021 News Test</footer></body></html>"""
    table = _table(tmp_path, "flood.html", page)
    row = table.iloc[0]
    assert row["id"] == "flood.html"
    assert row["title"] == "Hochwasser im Norden"
    assert row["text"] == "Die Flüsse sind über die Ufer getreten."
    assert (row["lang"], row["source"], row["url"]) == (
        "de",
        "News Test",
        "https://news.test/hochwasser",
    )
    assert row["published"] == pd.Timestamp("2021-07-15 08:00")


def test_markdown_file(tmp_path):
    table = _table(
        tmp_path,
        "note.md",
        "# Floods in the north\n\nRivers **burst** their [banks](https://x.test).\n",
    )
    assert table.iloc[0]["title"] == "Floods in the north"
    assert table.iloc[0]["text"] == "Rivers burst their banks."


def test_records_and_dataframes():
    table = articles_from_records(
        [{"title": "Floods hit the northern province"}], source="notebook"
    ).articles
    assert table.iloc[0]["id"] == "notebook:1"
    assert table.iloc[0]["lang"] == "en"


def test_other_fields_are_kept_as_extra_columns(tmp_path):
    content = '{"id": "1", "title": "Floods hit the north", "story": "s-7", "body": "", "x": 3}\n'
    table = _table(tmp_path, "f.jsonl", content)
    assert list(table.columns) == [*ARTICLE_COLUMNS, "story", "x"]
    assert (table.iloc[0]["story"], table.iloc[0]["x"]) == ("s-7", 3)
