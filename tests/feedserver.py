"""A feed server on 127.0.0.1 for the feed tests, the feeds it serves, and their helpers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from clustering.errors import InputError
from clustering.reading.articles import RawArticle
from clustering.reading.feeds import read_feed
from clustering.reading.fetch import Fetcher

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


class FeedHandler(BaseHTTPRequestHandler):
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


def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 in a thread; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def expected_articles(articles: list[RawArticle], feed: str) -> list[RawArticle]:
    """The articles with ``{feed}`` in their path and id replaced by the feed's source."""
    return [
        RawArticle(**{**vars(a), "path": a.path.format(feed=feed), "id": a.id.format(feed=feed)})
        for a in articles
    ]


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def feed_error(source: str, fetcher: Fetcher | None = None) -> str:
    with pytest.raises(InputError) as caught:
        read_feed(source, fetcher)
    return str(caught.value)
