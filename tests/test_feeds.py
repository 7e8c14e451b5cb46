"""RSS and Atom feeds from files and from a local HTTP server: articles, and one-line errors."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from html import escape
from http.server import BaseHTTPRequestHandler

import pandas as pd
import pytest

from clustering.cli import main
from clustering.errors import InputError
from clustering.reading.articles import RawArticle
from clustering.reading.feeds import is_feed_source, read_feed
from clustering.reading.loaders import load_articles
from tests.conftest import SEEDS
from tests.local_http import serve

BAKU_HTML = "<p>The ministers <b>met</b> in Baku on Friday.</p><p>They signed a plan.</p>"
BAKOU_HTML = "<p>Les ministres de la Défense se sont rencontrés vendredi à Bakou.</p>"
RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Caspian Wire</title>
  <link>https://wire.example/</link>
  <language>en-gb</language>
  <item>
    <title>Defence ministers meet in Baku</title>
    <link>https://wire.example/baku</link>
    <guid isPermaLink="false">wire-1</guid>
    <pubDate>Fri, 06 Feb 2026 09:30:00 +0300</pubDate>
    <description>{escape(BAKU_HTML)}</description>
  </item>
  <item>
    <title>Aliyev: İran ve Azerbaycan dost ve kardeş ülkelerdir</title>
    <link>https://wire.example/aliyev</link>
    <dc:language>tr</dc:language>
    <description>Cumhurbaşkanı İlham Aliyev, İran Savunma Bakanı'nı kabul etti.</description>
  </item>
  <item>
    <description>A report without a title or a link.</description>
  </item>
</channel>
</rss>
"""
ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
  <title>Le Fil</title>
  <id>urn:fil</id>
  <updated>2026-02-06T10:00:00Z</updated>
  <entry>
    <title>Les ministres se rencontrent à Bakou</title>
    <id>urn:fil:1</id>
    <link href="https://fil.example/1"/>
    <updated>2026-02-06T10:00:00+01:00</updated>
    <summary>Court résumé.</summary>
    <content type="html">{escape(BAKOU_HTML)}</content>
  </entry>
  <entry xml:lang="en">
    <title>Ministers meet in Baku</title>
    <link href="https://fil.example/2"/>
    <published>2026-02-05T08:00:00Z</published>
    <updated>2026-02-06T10:00:00Z</updated>
    <summary>The defence ministers met in Baku.</summary>
  </entry>
</feed>
"""
HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Caspian Wire</title></head>
<body><p>Welcome<br>to our site</p></body></html>
"""
MALFORMED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Broken</title></chan></rss>
"""
ROUTES = {
    "/rss.xml": (200, "application/rss+xml; charset=utf-8", RSS),
    "/atom": (200, "application/atom+xml", ATOM),
    "/rss-as-html": (200, "text/html; charset=utf-8", RSS),
    "/page.html": (200, "text/html; charset=utf-8", HTML),
    "/malformed.xml": (200, "application/xml", MALFORMED),
    "/error": (500, "text/plain", "Internal error"),
}

RSS_ARTICLES = [
    RawArticle(
        path="{feed}",
        line=1,
        id="wire-1",
        title="Defence ministers meet in Baku",
        text=BAKU_HTML,
        published="2026-02-06T06:30:00+00:00",
        lang="en-gb",
        source="Caspian Wire",
        url="https://wire.example/baku",
    ),
    RawArticle(
        path="{feed}",
        line=2,
        id="https://wire.example/aliyev",
        title="Aliyev: İran ve Azerbaycan dost ve kardeş ülkelerdir",
        text="Cumhurbaşkanı İlham Aliyev, İran Savunma Bakanı'nı kabul etti.",
        lang="tr",
        source="Caspian Wire",
        url="https://wire.example/aliyev",
    ),
    RawArticle(
        path="{feed}",
        line=3,
        id="{feed}#3",
        text="A report without a title or a link.",
        lang="en-gb",
        source="Caspian Wire",
    ),
]
ATOM_ARTICLES = [
    RawArticle(
        path="{feed}",
        line=1,
        id="urn:fil:1",
        title="Les ministres se rencontrent à Bakou",
        text=BAKOU_HTML,
        published="2026-02-06T09:00:00+00:00",
        lang="fr",
        source="Le Fil",
        url="https://fil.example/1",
    ),
    RawArticle(
        path="{feed}",
        line=2,
        id="https://fil.example/2",
        title="Ministers meet in Baku",
        text="The defence ministers met in Baku.",
        published="2026-02-05T08:00:00+00:00",
        lang="en",
        source="Le Fil",
        url="https://fil.example/2",
    ),
]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, content_type, body = ROUTES.get(self.path, (404, "text/plain", "Not here"))
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Talk to 127.0.0.1 directly even where a proxy is configured: no traffic leaves the host."""
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    """The base URL of a feed server on 127.0.0.1, serving ``ROUTES`` (anything else: 404)."""
    with serve(_Handler) as url:
        yield url


def _expected(articles: list[RawArticle], feed: str) -> list[RawArticle]:
    """The articles with ``{feed}`` in their path and id replaced by the feed's source."""
    return [
        RawArticle(**{**vars(a), "path": a.path.format(feed=feed), "id": a.id.format(feed=feed)})
        for a in articles
    ]


def _free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _error(source: str, **kwargs: float) -> str:
    with pytest.raises(InputError) as caught:
        read_feed(source, **kwargs)
    return str(caught.value)


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


def test_rss_feed_over_http(base):
    assert read_feed(f"{base}/rss.xml") == _expected(RSS_ARTICLES, f"{base}/rss.xml")


def test_atom_feed_over_http(base):
    assert read_feed(f"{base}/atom") == _expected(ATOM_ARTICLES, f"{base}/atom")


def test_a_feed_served_as_html_is_still_a_feed(base):
    articles = read_feed(f"{base}/rss-as-html")
    assert [a.id for a in articles] == [
        "wire-1",
        "https://wire.example/aliyev",
        f"{base}/rss-as-html#3",
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
def test_feed_errors_over_http(base, route, message):
    assert _error(f"{base}{route}") == f"{base}{route}: {message}"


def test_unreachable_url():
    url = f"http://127.0.0.1:{_free_port()}/feed.xml"
    port = url.split(":")[2].split("/")[0]
    assert _error(url) == f"{url}: cannot reach 127.0.0.1:{port}: connection refused"


def test_invalid_url():
    assert _error("http://[::1/feed") == "http://[::1/feed: invalid URL (Invalid IPv6 URL)"


def test_silent_server_times_out():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)  # accepts connections into the backlog, never answers
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/feed.xml"
        message = _error(url, timeout=0.2)
    host = url.removeprefix("http://").removesuffix("/feed.xml")
    assert message == f"{url}: cannot reach {host}: timed out after 0.2 s"


def test_feed_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "wire.rss").write_text(RSS, encoding="utf-8")
    (tmp_path / "fil.atom").write_text(ATOM, encoding="utf-8")
    assert read_feed("wire.rss") == _expected(RSS_ARTICLES, "wire.rss")
    assert read_feed("./fil.atom") == _expected(ATOM_ARTICLES, "fil.atom")


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
    assert _error("feed.xml") == f"feed.xml: {message}"


def test_missing_feed_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _error("gone.rss") == "gone.rss: no such file or directory"


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


def test_load_articles_reads_feeds(base):
    frame = load_articles([f"{base}/rss.xml", f"{base}/atom"]).articles
    fields = frame[["id", "title", "lang", "source", "url", "path"]]
    assert fields.astype(object).where(fields.notna(), None).to_dict("records") == [
        {
            "id": "wire-1",
            "title": "Defence ministers meet in Baku",
            "lang": "en",
            "source": "Caspian Wire",
            "url": "https://wire.example/baku",
            "path": f"{base}/rss.xml:1",
        },
        {
            "id": "https://wire.example/aliyev",
            "title": "Aliyev: İran ve Azerbaycan dost ve kardeş ülkelerdir",
            "lang": "tr",
            "source": "Caspian Wire",
            "url": "https://wire.example/aliyev",
            "path": f"{base}/rss.xml:2",
        },
        {
            "id": f"{base}/rss.xml#3",
            "title": "A report without a title or a link.",
            "lang": "en",
            "source": "Caspian Wire",
            "url": None,
            "path": f"{base}/rss.xml:3",
        },
        {
            "id": "urn:fil:1",
            "title": "Les ministres se rencontrent à Bakou",
            "lang": "fr",
            "source": "Le Fil",
            "url": "https://fil.example/1",
            "path": f"{base}/atom:1",
        },
        {
            "id": "https://fil.example/2",
            "title": "Ministers meet in Baku",
            "lang": "en",
            "source": "Le Fil",
            "url": "https://fil.example/2",
            "path": f"{base}/atom:2",
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


def test_load_articles_skips_a_bad_feed(base):
    seed = SEEDS / "000_6a94ddf4fcffe0c0.txt"
    loaded = load_articles([f"{base}/atom", f"{base}/gone.xml", seed], skip_bad=True)
    assert loaded.articles["id"].tolist() == [
        "urn:fil:1",
        "https://fil.example/2",
        "000_6a94ddf4fcffe0c0.txt",
    ]
    assert [str(error) for error in loaded.skipped] == [f"{base}/gone.xml: HTTP 404 Not Found"]


def test_load_articles_stops_at_a_bad_feed(base):
    with pytest.raises(InputError) as caught:
        load_articles([f"{base}/atom", f"{base}/page.html"])
    assert str(caught.value) == f"{base}/page.html: not a feed (an HTML page)"


def test_cli_names_the_failing_feed(base, runner):
    result = runner.invoke(main, ["cluster", f"{base}/atom", f"{base}/error"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {base}/error: HTTP 500 Internal Server Error\n"


def test_add_keeps_going_past_a_failing_feed(base, runner, tmp_path):
    store = str(tmp_path / "s.db")
    args = ["add", "--store", store, f"{base}/missing", f"{base}/atom", f"{base}/error"]
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: {base}/missing: HTTP 404 Not Found",
        f"Error: {base}/error: HTTP 500 Internal Server Error",
    ]
    added = [line.split("\t") for line in result.stdout.splitlines()]
    assert added == [["urn:fil:1", "st000001", "new"], ["https://fil.example/2", "st000001", "new"]]
    again = runner.invoke(main, ["add", "--store", store, f"{base}/atom"])
    assert again.exit_code == 0
    assert [line.split("\t")[2] for line in again.stdout.splitlines()] == ["duplicate"] * 2
