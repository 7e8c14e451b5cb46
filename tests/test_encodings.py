"""Encodings: declared charsets, stray bytes in UTF-8, double-encoded UTF-8, and mojibake."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from clustering import load_articles
from clustering.reading.cleaning import clean_text
from clustering.reading.decoding import DecodeError, decode_bytes, is_binary
from clustering.reading.feeds import read_feed
from tests.feedserver import serve

FRENCH = (
    "Le président de l’Azerbaïdjan, Ilham Aliyev, a rencontré vendredi une délégation "
    "iranienne conduite par le ministre de la Défense, Aziz Nasirzadeh. La rencontre a porté "
    "sur les relations bilatérales ainsi que sur la situation sécuritaire régionale."
)
RUSSIAN = "Президент Азербайджана Ильхам Алиев принял министра обороны Ирана в Баку."
GREEK = "Ο πρόεδρος του Αζερμπαϊτζάν Ιλχάμ Αλίεφ συναντήθηκε με τον υπουργό Άμυνας του Ιράν."
JAPANESE = "アゼルバイジャンのアリエフ大統領は、イランの国防相とバクーで会談した。"
TURKISH = "Azerbaycan Cumhurbaşkanı İlham Aliyev, İran Savunma Bakanı ile görüştü."


def _page(head: str, text: str) -> str:
    return f"<html><head>{head}<title>Baku</title></head><body><p>{text}</p></body></html>"


def test_a_stray_byte_in_utf8_costs_that_byte_only(tmp_path):
    """One cp1252 apostrophe (0x92) in a UTF-8 article used to make all of it cp1250 mojibake."""
    data = FRENCH.encode("utf-8").replace("’".encode(), b"\x92")
    assert data.count(b"\x92") == 1
    assert decode_bytes(data) == (FRENCH, "utf-8")
    (tmp_path / "bakou.txt").write_bytes(data)
    assert load_articles([tmp_path / "bakou.txt"]).articles["text"].tolist() == [FRENCH]


def test_a_stray_byte_cp1252_lacks_becomes_the_replacement_character():
    data = FRENCH.encode("utf-8").replace("’".encode(), b"\x81")
    assert decode_bytes(data) == (FRENCH.replace("’", "\ufffd"), "utf-8")


def test_legacy_text_with_a_few_utf8_lookalikes_is_still_legacy():
    text = RUSSIAN + " Сообщает «ТАСС»."  # "С»" in cp1251 is valid UTF-8 too
    assert "С»".encode("cp1251").decode("utf-8") == "\u047b"
    assert decode_bytes(text.encode("cp1251")) == (text, "cp1251")


@pytest.mark.parametrize(
    "head, text, encoding, expected",
    [
        ('<meta charset="koi8-r">', RUSSIAN, "koi8_r", "koi8-r"),
        ("<meta charset='windows-1253'>", GREEK, "cp1253", "cp1253"),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">',
            JAPANESE,
            "shift_jis",
            "cp932",
        ),
        ('<meta charset="iso-8859-9">', TURKISH, "iso8859_9", "cp1254"),
    ],
    ids=["koi8-r", "windows-1253", "shift_jis", "iso-8859-9"],
)
def test_the_charset_a_page_declares_is_honoured(tmp_path, head, text, encoding, expected):
    data = _page(head, text).encode(encoding)
    assert decode_bytes(data) == (_page(head, text), expected)
    (tmp_path / "page.html").write_bytes(data)
    assert text in load_articles([tmp_path / "page.html"]).articles["text"][0]


def test_the_xml_declaration_is_honoured(tmp_path):
    page = '<?xml version="1.0" encoding="KOI8-R"?>\n' + _page("", RUSSIAN)
    (tmp_path / "page.xhtml.html").write_bytes(page.encode("koi8_r"))
    assert decode_bytes(page.encode("koi8_r")) == (page, "koi8-r")
    assert RUSSIAN in load_articles([tmp_path / "page.xhtml.html"]).articles["text"][0]


def test_the_http_content_type_comes_before_the_page_and_a_bom_before_both():
    page = _page('<meta charset="utf-8">', GREEK)
    assert decode_bytes(page.encode("cp1253"), "text/html; charset=windows-1253") == (
        page,
        "cp1253",
    )
    bom = b"\xef\xbb\xbf" + page.encode("utf-8")
    assert decode_bytes(bom, "text/html; charset=windows-1253") == (page, "utf-8-sig")


def test_a_declaration_the_bytes_do_not_fit_is_ignored():
    page = _page('<meta charset="shift_jis">', RUSSIAN)
    assert decode_bytes(page.encode("cp1251")) == (page, "cp1251")
    page = _page('<meta charset="utf-16">', RUSSIAN)
    assert decode_bytes(page.encode("utf-8")) == (page, "utf-8")


@pytest.mark.parametrize("label", ["rot13", "hex", "unicode_escape", "charmap", "undefined"])
def test_a_python_codec_that_is_no_charset_is_ignored(label):
    page = _page(f'<meta charset="{label}">', "Caf\\x41 " + RUSSIAN)
    assert decode_bytes(page.encode("utf-8")) == (page, "utf-8")
    assert decode_bytes(page.encode("utf-8"), f"text/html; charset={label}") == (page, "utf-8")


_LABELS = ["koi8-r", "windows-1253", "shift_jis", "utf-16", "utf-7", "rot13", "hex", "charmap"]


@pytest.mark.fuzz
@given(body=st.binary(max_size=300), label=st.sampled_from([None, *_LABELS]), header=st.booleans())
def test_any_bytes_decode_or_raise_decode_error(body, label, header):
    data = (f'<meta charset="{label}">'.encode() if label else b"") + body
    try:
        text, encoding = decode_bytes(data, f"text/html; charset={label}" if header else None)
    except DecodeError:
        return
    assert isinstance(text, str) and codecs.lookup(encoding)


@pytest.mark.fuzz
@given(text=st.text(max_size=300))
def test_any_utf8_text_comes_back_whole(text):
    data = text.encode("utf-8")
    assume(not is_binary(data) and not text.startswith(("\ufeff", "<")))
    assert decode_bytes(data) == (text, "utf-8")


def test_markup_inside_a_jsonl_field_declares_nothing(tmp_path):
    row = {"id": "1", "text": _page('<meta charset="koi8-r">', RUSSIAN)}
    (tmp_path / "rows.jsonl").write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
    assert load_articles([tmp_path / "rows.jsonl"]).articles["title"].tolist() == [RUSSIAN]


@pytest.fixture
def koi8_feed() -> Iterator[str]:
    """A feed on 127.0.0.1 in KOI8-R that only its HTTP ``Content-Type`` header declares."""
    body = (
        f"<rss version='2.0'><channel><title>Лента</title><item><guid>1</guid>"
        f"<title>{RUSSIAN}</title></item></channel></rss>"
    ).encode("koi8_r")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=koi8-r")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output quiet."""

    for url in serve(Handler):
        yield f"{url}/feed.rss"


def test_a_feed_follows_its_http_content_type(koi8_feed, no_proxy):
    [article] = read_feed(koi8_feed)
    assert (article.title, article.source) == (RUSSIAN, "Лента")


def test_double_encoded_utf8_is_repaired(tmp_path):
    rows = [
        {"id": "tr", "title": "GÃ¼nlÃ¼k bÃ¼lten", "text": "Ä°ran Savunma BakanÄ± BakÃ¼'de."},
        {"id": "fr", "title": "Le prÃ©sident Ã  Bakou", "text": "Ã‰tat, sÃ©curitÃ© et dÃ©fense."},
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    articles = load_articles([path]).articles
    assert articles[["title", "text"]].values.tolist() == [
        ["Günlük bülten", "İran Savunma Bakanı Bakü'de."],
        ["Le président à Bakou", "État, sécurité et défense."],
    ]


def test_double_encoded_bytes_are_repaired(tmp_path):
    (tmp_path / "a.txt").write_bytes(FRENCH.encode("utf-8").decode("cp1252").encode("utf-8"))
    assert load_articles([tmp_path / "a.txt"]).articles["text"].tolist() == [FRENCH]


@pytest.mark.parametrize(
    "line",
    [
        "Le prĂ©sident iranien a rencontrĂ© Aliyev à Bakou.",  # UTF-8 read as cp1250
        "Le prГ©sident iranien a rencontrГ© Aliyev.",  # UTF-8 read as cp1251
    ],
    ids=["cp1250", "cp1251"],
)
def test_the_copyright_rule_spares_mojibake(line):
    assert clean_text(f"{line}\n© 2026 Example News") == line
