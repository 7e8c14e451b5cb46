"""RSS and Atom feeds from files and from a local HTTP server: articles, and one-line errors."""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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
        published="Fri, 06 Feb 2026 09:30:00 +0300",
        published_fallback="2026-02-06T06:30:00+00:00",
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
        published="2026-02-06T10:00:00+01:00",
        published_fallback="2026-02-06T09:00:00+00:00",
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
        published="2026-02-05T08:00:00Z",
        published_fallback="2026-02-05T08:00:00+00:00",
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


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 in a thread; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    """The base URL of a feed server on 127.0.0.1, serving ``ROUTES`` (anything else: 404)."""
    yield from _serve(_Handler)


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


def _error(source: str, fetcher: Fetcher | None = None) -> str:
    with pytest.raises(InputError) as caught:
        read_feed(source, fetcher)
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
        message = _error(url, Fetcher(timeout=0.2))
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
    assert _error("feed.rss") == f"feed.rss: cannot decode feed ({reason})"


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


# --- Fetching: limits, redirects, conditional GET, gzip -------------------------------------

#: What the fetch server saw and what a ``watch`` slept, in order (cleared by ``events``).
EVENTS: list[tuple[str, ...]] = []
ETAG, LAST_MODIFIED = '"v1"', "Fri, 06 Feb 2026 09:30:00 GMT"
HUGE = 50_000_001  # one byte over the default limit


def _gzip(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), mtime=0)


class _FetchHandler(BaseHTTPRequestHandler):
    """Feeds that test the fetcher: drips, redirects, validators, gzip and floods."""

    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        EVENTS.append(("GET", path, self.headers.get("If-None-Match") or "-"))
        getattr(self, "route_" + path.strip("/").replace("-", "_"), self.route_missing)(query)

    def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route_missing(self, query: str) -> None:
        self._send(404, b"Not here")

    def route_redirect(self, query: str) -> None:
        self._send(302, Location=urllib.parse.unquote(query))

    def route_drip_body(self, query: str) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(RSS)))
        self.end_headers()
        self._drip(RSS.encode("utf-8"))

    def route_drip_headers(self, query: str) -> None:
        self.wfile.write(b"HTTP/1.0 200 OK\r\n")
        self._drip(b"Content-Type: application/rss+xml\r\n" * 100)

    def _drip(self, data: bytes) -> None:
        with contextlib.suppress(OSError):  # the fetcher hangs up
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.05)

    def route_etag(self, query: str) -> None:
        if self.headers.get("If-None-Match") == ETAG:
            EVENTS.append(("304",))
            self._send(304, ETag=ETAG)
        else:
            self._send(200, RSS.encode("utf-8"), ETag=ETAG)

    def route_last_modified(self, query: str) -> None:
        if self.headers.get("If-Modified-Since") == LAST_MODIFIED:
            EVENTS.append(("304",))
            self._send(304)
        else:
            self._send(200, RSS.encode("utf-8"), Last_Modified=LAST_MODIFIED)

    def route_etag_page(self, query: str) -> None:
        self._send(200, HTML.encode("utf-8"), ETag=ETAG)

    def route_gzip(self, query: str) -> None:
        EVENTS.append(("Accept-Encoding", self.headers.get("Accept-Encoding") or "-"))
        self._send(200, _gzip(RSS), Content_Encoding="gzip")

    def route_gzip_bomb(self, query: str) -> None:
        self._send(200, _gzip(RSS + " " * 5_000_000), Content_Encoding="gzip")

    def route_corrupt_gzip(self, query: str) -> None:
        self._send(200, _gzip(RSS)[:20] + b"garbage" * 10, Content_Encoding="gzip")

    def route_huge(self, query: str) -> None:
        """A feed one byte over the default limit, without a Content-Length."""
        self.send_response(200)
        self.end_headers()
        head = RSS.encode("utf-8").replace(b"<channel>", b"<channel><!--")
        self.wfile.write(head)
        chunk = b" " * 1_000_000
        left = HUGE - len(head)
        with contextlib.suppress(OSError):  # the fetcher hangs up at the limit
            while left > 0:
                self.wfile.write(chunk[:left])
                left -= len(chunk)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture(scope="module")
def fetch_base() -> Iterator[str]:
    """The base URL of the fetch-testing server on 127.0.0.1."""
    yield from _serve(_FetchHandler)


@pytest.fixture
def events() -> list[tuple[str, ...]]:
    """The fetch server's log, empty at the start of the test."""
    EVENTS.clear()
    return EVENTS


@pytest.mark.parametrize("route", ["/drip-body", "/drip-headers"])
def test_a_server_that_drips_bytes_is_cut_off_at_the_total_timeout(fetch_base, route):
    started = time.monotonic()
    message = _error(f"{fetch_base}{route}", Fetcher(timeout=0.5))
    host = fetch_base.removeprefix("http://")
    assert message == f"{fetch_base}{route}: cannot reach {host}: timed out after 0.5 s"
    assert time.monotonic() - started < 3


def test_a_redirect_to_ftp_is_refused(fetch_base):
    url = f"{fetch_base}/redirect?ftp://127.0.0.1:{_free_port()}/feed.xml"
    target = url.partition("?")[2]
    assert _error(url) == f"{url}: redirected to {target} (only http and https are followed)"


def test_a_redirect_to_a_dead_host_names_that_host(fetch_base):
    port = _free_port()
    url = f"{fetch_base}/redirect?http://127.0.0.1:{port}/feed.xml"
    assert _error(url) == f"{url}: cannot reach 127.0.0.1:{port}: connection refused"


def test_a_redirect_to_http_is_followed(fetch_base, base):
    url = f"{fetch_base}/redirect?{base}/rss.xml"
    assert read_feed(url) == _expected(RSS_ARTICLES, url)


@pytest.mark.parametrize("route", ["/etag", "/last-modified"])
def test_conditional_get_asks_for_changes_only(fetch_base, events, route):
    fetcher = Fetcher(host_spacing=0)
    url = f"{fetch_base}{route}"
    assert read_feed(url, fetcher) == _expected(RSS_ARTICLES, url)
    assert read_feed(url, fetcher) == []  # 304: nothing new
    assert read_feed(url, fetcher) == []
    assert [e[0] for e in events] == ["GET", "GET", "304", "GET", "304"]
    assert read_feed(url) == _expected(RSS_ARTICLES, url)  # a new fetcher knows nothing yet


def test_a_feed_that_could_not_be_read_is_asked_for_in_full_again(fetch_base, events):
    fetcher = Fetcher(host_spacing=0)
    url = f"{fetch_base}/etag-page"
    for _ in range(2):
        assert _error(url, fetcher) == f"{url}: not a feed (an HTML page)"
    assert events == [("GET", "/etag-page", "-")] * 2


def test_gzip_is_asked_for_and_decoded(fetch_base, events):
    url = f"{fetch_base}/gzip"
    assert read_feed(url) == _expected(RSS_ARTICLES, url)
    assert events[1] == ("Accept-Encoding", "gzip")


def test_corrupt_gzip_is_one_error(fetch_base):
    message = _error(f"{fetch_base}/corrupt-gzip")
    assert message.startswith(f"{fetch_base}/corrupt-gzip: corrupt gzip content (")


def test_a_gzip_bomb_stops_at_the_byte_limit(fetch_base):
    url = f"{fetch_base}/gzip-bomb"
    assert _error(url, Fetcher(max_bytes=1_000_000)) == f"{url}: feed larger than 1,000,000 bytes"
    assert len(read_feed(url, Fetcher(max_bytes=6_000_000))) == 3  # a higher limit takes it


def test_a_feed_over_the_default_byte_limit_is_refused(fetch_base):
    url = f"{fetch_base}/huge"
    assert _error(url) == f"{url}: feed larger than 50,000,000 bytes"


def test_requests_to_one_host_are_spaced(fetch_base, base):
    slept: list[float] = []
    fetcher = Fetcher(host_spacing=2.5, clock=lambda: 100.0, sleep=slept.append)
    read_feed(f"{fetch_base}/etag", fetcher)
    assert slept == []
    read_feed(f"{base}/atom", fetcher)  # the same host, another port
    assert slept == [2.5]
    read_feed(base.replace("127.0.0.1", "localhost") + "/atom", fetcher)
    assert slept == [2.5]


# --- watch: polling URLs ---------------------------------------------------------------------


@pytest.fixture
def virtual_clock(monkeypatch: pytest.MonkeyPatch, events) -> None:
    """``watch`` sleeps on a virtual clock; each sleep goes into the events."""
    now = [1000.0]

    def sleep(seconds: float) -> None:
        events.append(("sleep", f"{seconds:g}"))
        now[0] += seconds

    monkeypatch.setattr("clustering.cli.store._clock", lambda: now[0])
    monkeypatch.setattr("clustering.cli.store._sleep", sleep)


def _watch(runner, store: Path, *args: str):
    return runner.invoke(main, ["watch", "--store", str(store), *args])


def test_watch_backs_off_a_failing_url_and_exits_2(
    fetch_base, virtual_clock, events, runner, tmp_path
):
    good, bad = f"{fetch_base}/etag", f"{fetch_base}/missing"
    result = _watch(runner, tmp_path / "s.db", good, bad, "--interval", "60", "--count", "4")
    assert result.exit_code == 2
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == [
        "wire-1",
        "https://wire.example/aliyev",
        f"{good}#3",
    ]
    assert result.stderr.splitlines() == [
        f"Error: {bad}: HTTP 404 Not Found",
        f"Error: {bad}: HTTP 404 Not Found",
        f"Error: {bad}: failed on every poll (2 of 2)",
    ]
    assert events == [
        ("sleep", "0"),
        ("GET", "/etag", "-"),
        ("sleep", "1"),  # one second between two requests to one host
        ("GET", "/missing", "-"),
        ("sleep", "59"),
        ("GET", "/etag", ETAG),
        ("304",),
        ("sleep", "60"),  # the failing URL waits two intervals
        ("GET", "/etag", ETAG),
        ("304",),
        ("sleep", "1"),
        ("GET", "/missing", "-"),
        ("sleep", "59"),  # and now four
        ("GET", "/etag", ETAG),
        ("304",),
    ]
    again = runner.invoke(main, ["export", "--store", str(tmp_path / "s.db")])
    assert len(again.stdout.splitlines()) == 3


def test_watch_polls_urls_at_most_every_minute(fetch_base, virtual_clock, events, runner, tmp_path):
    result = _watch(
        runner, tmp_path / "s.db", f"{fetch_base}/etag", "--interval", "1", "--count", "3"
    )
    assert result.exit_code == 0
    assert result.stderr == "Note: URLs are polled at most every 60 s.\n"
    assert [e for e in events if e[0] == "sleep"] == [
        ("sleep", "0"),
        ("sleep", "60"),
        ("sleep", "60"),
    ]


def test_watch_options_reach_the_fetcher(fetch_base, virtual_clock, runner, tmp_path):
    url = f"{fetch_base}/gzip-bomb"
    args = [url, "--count", "1", "--max-feed-bytes", "1000000", "--fetch-timeout", "5"]
    result = _watch(runner, tmp_path / "s.db", *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: {url}: feed larger than 1,000,000 bytes",
        f"Error: {url}: failed on every poll (1 of 1)",
    ]


def test_add_takes_the_fetch_limits(fetch_base, runner, tmp_path):
    url = f"{fetch_base}/drip-body"
    result = runner.invoke(
        main, ["add", "--store", str(tmp_path / "s.db"), url, "--fetch-timeout", "0.3"]
    )
    host = fetch_base.removeprefix("http://")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {url}: cannot reach {host}: timed out after 0.3 s\n"


# --- Property: garbled feeds give articles or one-line errors, nothing lost ------------------


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


@pytest.mark.parametrize("command", ["cluster", "report"])
def test_cluster_and_report_take_the_fetch_limits(fetch_base, runner, tmp_path, command):
    url = f"{fetch_base}/gzip-bomb"
    args = [command, url, "--max-feed-bytes", "1000000", "-o", str(tmp_path / "out")]
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {url}: feed larger than 1,000,000 bytes\n"
