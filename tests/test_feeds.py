"""RSS and Atom feeds from files and from a local HTTP server: articles, and one-line errors."""

from __future__ import annotations

import socket

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clustering.cli import main
from clustering.errors import InputError
from clustering.reading.articles import RawArticle
from clustering.reading.feeds import is_feed_source, read_feed
from clustering.reading.fetch import Fetcher
from clustering.reading.loaders import load_articles
from tests.conftest import SEEDS
from tests.feedserver import (
    ATOM,
    ATOM_ARTICLES,
    HTML,
    MALFORMED,
    RSS,
    RSS_ARTICLES,
    expected_articles,
    feed_error,
    free_port,
)

pytestmark = pytest.mark.usefixtures("no_proxy")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("http://example.org/feed", True),
        ("HTTPS://example.org/news?format=atom", True),
        ("news.rss", True),
        ("news.ATOM", True),
        ("data/feed.xml", True),
        ("article.txt", False),
        ("rows.jsonl", False),
        ("seeds", False),
    ],
)
def test_is_feed_source(source, expected):
    assert is_feed_source(source) is expected


def test_a_directory_named_like_a_feed_is_not_one(tmp_path):
    (tmp_path / "archive.xml").mkdir()
    assert is_feed_source(tmp_path / "archive.xml") is False


def test_rss_feed_over_http(feed_server):
    assert read_feed(f"{feed_server}/rss.xml") == expected_articles(
        RSS_ARTICLES, f"{feed_server}/rss.xml"
    )


def test_atom_feed_over_http(feed_server):
    assert read_feed(f"{feed_server}/atom") == expected_articles(
        ATOM_ARTICLES, f"{feed_server}/atom"
    )


def test_a_feed_served_as_html_is_still_a_feed(feed_server):
    articles = read_feed(f"{feed_server}/rss-as-html")
    assert [a.id for a in articles] == [
        "wire-1",
        "https://wire.example/aliyev",
        f"{feed_server}/rss-as-html#3",
    ]


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ("/missing.rss", "HTTP 404 Not Found"),
        ("/error", "HTTP 500 Internal Server Error"),
        ("/page.html", "not a feed (an HTML page)"),
        ("/malformed.xml", "malformed feed XML (mismatched tag)"),
    ],
)
def test_feed_errors_over_http(feed_server, route, message):
    assert feed_error(f"{feed_server}{route}") == f"{feed_server}{route}: {message}"


def test_unreachable_url():
    url = f"http://127.0.0.1:{free_port()}/feed.xml"
    port = url.split(":")[2].split("/")[0]
    assert feed_error(url) == f"{url}: cannot reach 127.0.0.1:{port}: connection refused"


def test_invalid_url():
    assert feed_error("http://[::1/feed") == "http://[::1/feed: invalid URL (Invalid IPv6 URL)"


def test_silent_server_times_out():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)  # accepts connections into the backlog, never answers
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/feed.xml"
        message = feed_error(url, Fetcher(timeout=0.2))
    host = url.removeprefix("http://").removesuffix("/feed.xml")
    assert message == f"{url}: cannot reach {host}: timed out after 0.2 s"


def test_feed_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "wire.rss").write_text(RSS, encoding="utf-8")
    (tmp_path / "fil.atom").write_text(ATOM, encoding="utf-8")
    assert read_feed("wire.rss") == expected_articles(RSS_ARTICLES, "wire.rss")
    assert read_feed("./fil.atom") == expected_articles(ATOM_ARTICLES, "fil.atom")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "not a feed (empty)"),
        (HTML, "not a feed (an HTML page)"),
        (MALFORMED, "malformed feed XML (mismatched tag)"),
        ("just some words\n", "malformed feed XML (syntax error)"),
        (
            '<?xml version="1.0"?>\n<urlset><url><loc>https://wire.example/</loc></url></urlset>',
            "not a feed (root element <urlset>)",
        ),
        (
            '<rss version="2.0"><channel><title>Quiet</title></channel></rss>',
            "feed has no entries",
        ),
    ],
)
def test_feed_file_errors(tmp_path, monkeypatch, content, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feed.xml").write_text(content, encoding="utf-8")
    assert feed_error("feed.xml") == f"feed.xml: {message}"


@pytest.mark.parametrize(
    ("encoding", "reason"),
    [
        (b"utf\x008", "embedded null character"),
        (b"utf\x808", "'utf-8' codec can't decode byte 0x80 in position 3: invalid start byte"),
    ],
)
def test_a_garbled_encoding_declaration_is_one_error(tmp_path, monkeypatch, encoding, reason):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feed.rss").write_bytes(RSS.encode("utf-8").replace(b"utf-8", encoding, 1))
    assert feed_error("feed.rss") == f"feed.rss: cannot decode feed ({reason})"


def test_missing_feed_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert feed_error("gone.rss") == "gone.rss: no such file or directory"


def test_recoverable_xml_errors_keep_the_entries(tmp_path):
    path = tmp_path / "loose.rss"
    path.write_text(
        '<rss version="2.0"><channel><title>Loose&nbsp;Wire</title><item>'
        '<title>Talks&nbsp;in Baku</title><guid isPermaLink="false">loose-1</guid>'
        "</item></channel></rss>",
        encoding="utf-8",
    )
    assert read_feed(path) == [
        RawArticle(
            path=str(path), line=1, id="loose-1", title="Talks\xa0in Baku", source="Loose\xa0Wire"
        )
    ]


def test_load_articles_reads_feeds(feed_server):
    frame = load_articles([f"{feed_server}/rss.xml", f"{feed_server}/atom"]).articles
    fields = frame[["id", "title", "lang", "source", "url", "path"]]
    assert fields.astype(object).where(fields.notna(), None).to_dict("records") == [
        {
            "id": "wire-1",
            "title": "Defence ministers meet in Baku",
            "lang": "en",
            "source": "Caspian Wire",
            "url": "https://wire.example/baku",
            "path": f"{feed_server}/rss.xml:1",
        },
        {
            "id": "https://wire.example/aliyev",
            "title": "Aliyev: İran ve Azerbaycan dost ve kardeş ülkelerdir",
            "lang": "tr",
            "source": "Caspian Wire",
            "url": "https://wire.example/aliyev",
            "path": f"{feed_server}/rss.xml:2",
        },
        {
            "id": f"{feed_server}/rss.xml#3",
            "title": "A report without a title or a link.",
            "lang": "en",
            "source": "Caspian Wire",
            "url": None,
            "path": f"{feed_server}/rss.xml:3",
        },
        {
            "id": "urn:fil:1",
            "title": "Les ministres se rencontrent à Bakou",
            "lang": "fr",
            "source": "Le Fil",
            "url": "https://fil.example/1",
            "path": f"{feed_server}/atom:1",
        },
        {
            "id": "https://fil.example/2",
            "title": "Ministers meet in Baku",
            "lang": "en",
            "source": "Le Fil",
            "url": "https://fil.example/2",
            "path": f"{feed_server}/atom:2",
        },
    ]
    assert frame["text"].tolist() == [
        "The ministers met in Baku on Friday.\n\nThey signed a plan.",
        "Cumhurbaşkanı İlham Aliyev, İran Savunma Bakanı'nı kabul etti.",
        "",
        "Les ministres de la Défense se sont rencontrés vendredi à Bakou.",
        "The defence ministers met in Baku.",
    ]
    assert frame["published"].tolist() == [
        pd.Timestamp("2026-02-06 06:30:00"),
        pd.NaT,
        pd.NaT,
        pd.Timestamp("2026-02-06 09:00:00"),
        pd.Timestamp("2026-02-05 08:00:00"),
    ]


def test_load_articles_skips_a_bad_feed(feed_server):
    seed = SEEDS / "000_6a94ddf4fcffe0c0.txt"
    loaded = load_articles([f"{feed_server}/atom", f"{feed_server}/gone.xml", seed], skip_bad=True)
    assert loaded.articles["id"].tolist() == [
        "urn:fil:1",
        "https://fil.example/2",
        "000_6a94ddf4fcffe0c0.txt",
    ]
    assert [str(error) for error in loaded.skipped] == [
        f"{feed_server}/gone.xml: HTTP 404 Not Found"
    ]


def test_load_articles_stops_at_a_bad_feed(feed_server):
    with pytest.raises(InputError) as caught:
        load_articles([f"{feed_server}/atom", f"{feed_server}/page.html"])
    assert str(caught.value) == f"{feed_server}/page.html: not a feed (an HTML page)"


def test_cli_names_the_failing_feed(feed_server, runner):
    result = runner.invoke(main, ["cluster", f"{feed_server}/atom", f"{feed_server}/error"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {feed_server}/error: HTTP 500 Internal Server Error\n"


@pytest.mark.slow
def test_add_keeps_going_past_a_failing_feed(feed_server, runner, tmp_path):
    store = str(tmp_path / "s.db")
    args = [
        "add",
        "--store",
        store,
        f"{feed_server}/missing",
        f"{feed_server}/atom",
        f"{feed_server}/error",
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: {feed_server}/missing: HTTP 404 Not Found",
        f"Error: {feed_server}/error: HTTP 500 Internal Server Error",
    ]
    added = [line.split("\t") for line in result.stdout.splitlines()]
    assert added == [["urn:fil:1", "S1", "new"], ["https://fil.example/2", "S1", "new"]]
    again = runner.invoke(main, ["add", "--store", store, f"{feed_server}/atom"])
    assert again.exit_code == 0
    assert [line.split("\t")[2] for line in again.stdout.splitlines()] == ["duplicate"] * 2


def _garble(document: bytes, edits: list[tuple[float, int, bytes]], keep: float) -> bytes:
    """``document`` with bytes replaced, inserted or deleted at relative places, then cut."""
    data = bytearray(document)
    for where, kind, piece in edits:
        at = int(where * len(data))
        if kind == 0:
            data[at : at + len(piece)] = piece
        elif kind == 1:
            data[at:at] = piece
        else:
            del data[at : at + 1 + len(piece)]
    return bytes(data[: max(1, int(keep * len(data)))])


_EDITS = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 2), st.binary(max_size=6)), max_size=6)
GARBLED_FEEDS = st.one_of(
    st.builds(
        _garble,
        st.sampled_from([RSS.encode("utf-8"), ATOM.encode("utf-8"), RSS.encode("utf-16")]),
        _EDITS,
        st.one_of(st.just(1.0), st.floats(0, 1)),
    ),
    st.binary(max_size=300),
)


@pytest.mark.fuzz
@given(content=GARBLED_FEEDS)
def test_garbled_feeds_give_articles_or_errors(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("fuzz") / "feed.rss"
    path.write_bytes(content)
    try:
        entries = len(read_feed(path))
    except InputError as exc:
        assert exc.path == str(path) and exc.line is None and "\n" not in exc.message
        entries = 0
    loaded = load_articles([path], skip_bad=True, allow_empty=True)
    lines = [int(p.rpartition(":")[2]) for p in loaded.articles["path"]]
    lines += [error.line for error in loaded.skipped if error.line is not None]
    if entries == 0:
        assert lines == [] and [e.path for e in loaded.skipped] == [str(path)]
    else:  # every entry is an article or a skipped line, exactly once
        assert all(e.path == str(path) for e in loaded.skipped)
        assert sorted(lines) == list(range(1, entries + 1))
