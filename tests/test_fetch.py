"""Fetching feeds over HTTP: limits, redirects, conditional GET, gzip, and polling by watch."""

from __future__ import annotations

import contextlib
import gzip
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from clustering.cli import main
from clustering.reading.feeds import read_feed
from clustering.reading.fetch import Fetcher
from tests.feedserver import (
    HTML,
    RSS,
    RSS_ARTICLES,
    expected_articles,
    feed_error,
    free_port,
    serve,
)

pytestmark = pytest.mark.usefixtures("no_proxy")


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
    yield from serve(_FetchHandler)


@pytest.fixture
def events() -> list[tuple[str, ...]]:
    """The fetch server's log, empty at the start of the test."""
    EVENTS.clear()
    return EVENTS


@pytest.mark.parametrize("route", ["/drip-body", "/drip-headers"])
def test_a_server_that_drips_bytes_is_cut_off_at_the_total_timeout(fetch_base, route):
    started = time.monotonic()
    message = feed_error(f"{fetch_base}{route}", Fetcher(timeout=0.5))
    host = fetch_base.removeprefix("http://")
    assert message == f"{fetch_base}{route}: cannot reach {host}: timed out after 0.5 s"
    assert time.monotonic() - started < 3


def test_a_redirect_to_ftp_is_refused(fetch_base):
    url = f"{fetch_base}/redirect?ftp://127.0.0.1:{free_port()}/feed.xml"
    target = url.partition("?")[2]
    assert feed_error(url) == f"{url}: redirected to {target} (only http and https are followed)"


def test_a_redirect_to_a_dead_host_names_that_host(fetch_base):
    port = free_port()
    url = f"{fetch_base}/redirect?http://127.0.0.1:{port}/feed.xml"
    assert feed_error(url) == f"{url}: cannot reach 127.0.0.1:{port}: connection refused"


def test_a_redirect_to_http_is_followed(fetch_base, feed_server):
    url = f"{fetch_base}/redirect?{feed_server}/rss.xml"
    assert read_feed(url) == expected_articles(RSS_ARTICLES, url)


@pytest.mark.parametrize("route", ["/etag", "/last-modified"])
def test_conditional_get_asks_for_changes_only(fetch_base, events, route):
    fetcher = Fetcher(host_spacing=0)
    url = f"{fetch_base}{route}"
    assert read_feed(url, fetcher) == expected_articles(RSS_ARTICLES, url)
    assert read_feed(url, fetcher) == []  # 304: nothing new
    assert read_feed(url, fetcher) == []
    assert [e[0] for e in events] == ["GET", "GET", "304", "GET", "304"]
    assert read_feed(url) == expected_articles(RSS_ARTICLES, url)  # a new fetcher knows nothing yet


def test_a_feed_that_could_not_be_read_is_asked_for_in_full_again(fetch_base, events):
    fetcher = Fetcher(host_spacing=0)
    url = f"{fetch_base}/etag-page"
    for _ in range(2):
        assert feed_error(url, fetcher) == f"{url}: not a feed (an HTML page)"
    assert events == [("GET", "/etag-page", "-")] * 2


def test_gzip_is_asked_for_and_decoded(fetch_base, events):
    url = f"{fetch_base}/gzip"
    assert read_feed(url) == expected_articles(RSS_ARTICLES, url)
    assert events[1] == ("Accept-Encoding", "gzip")


def test_corrupt_gzip_is_one_error(fetch_base):
    message = feed_error(f"{fetch_base}/corrupt-gzip")
    assert message.startswith(f"{fetch_base}/corrupt-gzip: corrupt gzip content (")


def test_a_gzip_bomb_stops_at_the_byte_limit(fetch_base):
    url = f"{fetch_base}/gzip-bomb"
    assert (
        feed_error(url, Fetcher(max_bytes=1_000_000)) == f"{url}: feed larger than 1,000,000 bytes"
    )
    assert len(read_feed(url, Fetcher(max_bytes=6_000_000))) == 3  # a higher limit takes it


def test_a_feed_over_the_default_byte_limit_is_refused(fetch_base):
    url = f"{fetch_base}/huge"
    assert feed_error(url) == f"{url}: feed larger than 50,000,000 bytes"


def test_requests_to_one_host_are_spaced(fetch_base, feed_server):
    slept: list[float] = []
    fetcher = Fetcher(host_spacing=2.5, clock=lambda: 100.0, sleep=slept.append)
    read_feed(f"{fetch_base}/etag", fetcher)
    assert slept == []
    read_feed(f"{feed_server}/atom", fetcher)  # the same host, another port
    assert slept == [2.5]
    read_feed(feed_server.replace("127.0.0.1", "localhost") + "/atom", fetcher)
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


@pytest.mark.slow
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
@pytest.mark.parametrize("command", ["cluster", "report"])
def test_cluster_and_report_take_the_fetch_limits(fetch_base, runner, tmp_path, command):
    url = f"{fetch_base}/gzip-bomb"
    args = [command, url, "--max-feed-bytes", "1000000", "-o", str(tmp_path / "out")]
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {url}: feed larger than 1,000,000 bytes\n"
