"""The hostile reading suite: feeds cut short, odd redirects, odd tables, pages and links.

Each case is a row of a table: what the server sends or what the file holds, and the exact
exit code, ``Error:``/``Skipped:`` lines and number of articles stored that ``samestory add``
must give (with the fake model, so nothing is downloaded and no case takes long).
"""

from __future__ import annotations

import gzip
import sqlite3
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from clustering.cli import main
from clustering.reading import webpage
from clustering.reading.loaders import load_articles
from tests.fakes import open_fake_store
from tests.feedserver import feed_error, serve

ITEMS = [
    f"<item><title>z{i} Entry {i} about the Geneva talks</title>"
    f'<guid isPermaLink="false">e{i}</guid><description>Body {i}.</description></item>\n'
    for i in range(10)
]
HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Wire</title>\n'
TAIL = "</channel></rss>\n"
FEED = (HEAD + "".join(ITEMS) + TAIL).encode("utf-8")
#: The feed up to and with item 5 (six items), as a server that closes early sends it.
FIRST_SIX = (HEAD + "".join(ITEMS[:6])).encode("utf-8")
ETAG = '"v1"'
#: The feed declaring UTF-16 over UTF-8 bytes, of even length (odd bytes fail as UTF-16).
FALSE_UTF16 = FEED.replace(b'encoding="utf-8"', b'encoding="utf-16"').replace(
    b"Wire", b"Wir\xc3\xa9"
)
FALSE_UTF16 += b"\n" * (len(FALSE_UTF16) % 2)
#: Whether the server of ``/cut`` has been mended (it then sends the whole feed).
MENDED = {"cut": False}


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


class _Hostile(BaseHTTPRequestHandler):
    """A feed sent whole, cut short in every way, or redirected where it must not be."""

    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        getattr(self, "route_" + path.strip("/").replace("-", "_"))(urllib.parse.unquote(query))

    def _head(self, status: int, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()

    def route_whole(self, query: str) -> None:
        self._head(200, Content_Length=str(len(FEED)))
        self.wfile.write(FEED)

    def route_cut(self, query: str) -> None:
        """The full Content-Length and an ETag, then the connection closes after item 5."""
        self._head(200, Content_Length=str(len(FEED)), ETag=ETAG)
        self.wfile.write(FEED if MENDED["cut"] else FIRST_SIX)

    def route_huge_length(self, query: str) -> None:
        self._head(200, Content_Length=str(10**12))
        self.wfile.write(FIRST_SIX)

    def route_cut_document(self, query: str) -> None:
        self._head(200, Content_Length=str(len(FIRST_SIX)))
        self.wfile.write(FIRST_SIX)

    def route_gzip_cut(self, query: str) -> None:
        body = _gzip(FEED)[:-20]
        self._head(200, Content_Length=str(len(body)), Content_Encoding="gzip")
        self.wfile.write(body)

    def route_gzip_members(self, query: str) -> None:
        half = len(FEED) // 2
        body = _gzip(FEED[:half]) + _gzip(FEED[half:])
        self._head(200, Content_Length=str(len(body)), Content_Encoding="gzip")
        self.wfile.write(body)

    def route_gzip_trailing(self, query: str) -> None:
        body = _gzip(FEED) + b"garbage!"
        self._head(200, Content_Length=str(len(body)), Content_Encoding="gzip")
        self.wfile.write(body)

    def route_chunked_cut(self, query: str) -> None:
        self.protocol_version = "HTTP/1.1"
        self._head(200, Transfer_Encoding="chunked")
        self.wfile.write(b"%x\r\n%s\r\n" % (len(FIRST_SIX), FIRST_SIX))
        self.wfile.write(b"1000\r\n" + FEED[len(FIRST_SIX) : len(FIRST_SIX) + 100])
        self.close_connection = True

    def route_utf16_declared(self, query: str) -> None:
        self._head(200, Content_Length=str(len(FALSE_UTF16)))
        self.wfile.write(FALSE_UTF16)

    def route_redirect(self, query: str) -> None:
        self._head(302, Location=query, Content_Length="0")

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    yield from serve(_Hostile)


@pytest.fixture(autouse=True)
def _setup(monkeypatch: pytest.MonkeyPatch, no_proxy: None, tmp_path) -> None:
    """The fake model, short paths (inside ``tmp_path``) and a broken ``/cut`` server."""
    monkeypatch.setattr("clustering.cli.store.open_store", open_fake_store)
    monkeypatch.chdir(tmp_path)
    MENDED["cut"] = False


def _add(runner, *sources: str, skip_bad: bool = False):
    """``samestory add`` into s.db: (exit code, stderr lines, articles stored)."""
    args = ["add", "--store", "s.db", *(["--skip-bad"] if skip_bad else []), *sources]
    result = runner.invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    exported = runner.invoke(main, ["export", "--store", "s.db"])
    return result.exit_code, result.stderr.splitlines(), len(exported.stdout.splitlines())


def _feeds() -> list[tuple[str, str | None]]:
    connection = sqlite3.connect("s.db")
    rows = connection.execute("SELECT url, etag FROM feeds").fetchall()
    connection.close()
    return rows


CUT = f"feed cut short ({len(FIRST_SIX):,} of {len(FEED):,} bytes)"
#: route → exit code, the error after "Error: URL: " ("" for none), articles stored.
SERVED = {
    "whole feed": ("/whole", 0, "", 10),
    "closed after item 5": ("/cut", 2, CUT, 0),
    "Content-Length 10^12": (
        "/huge-length",
        2,
        f"feed cut short ({len(FIRST_SIX):,} of 1,000,000,000,000 bytes)",
        0,
    ),
    "document cut at an item": ("/cut-document", 2, "feed cut short (no closing </rss>)", 0),
    "chunked body cut mid-chunk": (
        "/chunked-cut",
        2,
        f"feed cut short (the transfer stopped after {len(FIRST_SIX):,} bytes)",
        0,
    ),
    "unfinished gzip stream": ("/gzip-cut", 2, "corrupt gzip content (cut short)", 0),
    "two gzip members": ("/gzip-members", 0, "", 10),
    "gzip with trailing garbage": (
        "/gzip-trailing",
        2,
        "corrupt gzip content (Error -3 while decompressing data: incorrect header check)",
        0,
    ),
    "utf-16 declared over UTF-8": ("/utf16-declared", 0, "", 10),
    "redirect to file:": (
        "/redirect?file:///etc/passwd",
        2,
        "redirected to file:///etc/passwd (only http and https are followed)",
        0,
    ),
    "redirect to data:": (
        "/redirect?data:text/plain,hello",
        2,
        "redirected to data:text/plain,hello (only http and https are followed)",
        0,
    ),
    "redirect to gopher:": (
        "/redirect?gopher://127.0.0.1/feed",
        2,
        "redirected to gopher://127.0.0.1/feed (only http and https are followed)",
        0,
    ),
    "redirect with a password": (
        "/redirect?http://user:s3cret@127.0.0.1:9/feed",
        2,
        "redirected to http://127.0.0.1:9/feed "
        "(a URL with a user name or password is not followed)",
        0,
    ),
}


@pytest.mark.parametrize(("route", "code", "error", "stored"), SERVED.values(), ids=SERVED.keys())
def test_a_served_feed_is_read_whole_or_not_at_all(runner, base, route, code, error, stored):
    url = base + urllib.parse.quote(route, safe="/?:")
    lines = [f"Error: {url}: {error}"] if error else []
    assert _add(runner, url) == (code, lines, stored)
    if error:
        assert _feeds() == []  # so the next poll asks for the whole feed again


def test_a_cut_feed_is_fetched_again_until_it_comes_whole(runner, base):
    url = f"{base}/cut"
    for _ in range(2):  # every add reports the source, stores nothing and keeps no ETag
        assert _add(runner, url) == (2, [f"Error: {url}: {CUT}"], 0)
        assert _feeds() == []
    MENDED["cut"] = True
    assert _add(runner, url) == (0, [], 10)
    assert _feeds() == [(url, ETAG)]


def test_watch_keeps_no_validators_of_a_cut_feed(runner, base):
    url = f"{base}/cut"
    result = runner.invoke(main, ["watch", "--store", "s.db", url, "--count", "1"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-2:] == [
        f"Error: {url}: {CUT}",
        f"Error: {url}: failed on every poll (1 of 1)",
    ]
    assert _feeds() == []


# --- Files and folders ----------------------------------------------------------------------

CUT_RSS = FIRST_SIX.decode("utf-8")
PAGE = "<html><head><title>{title}</title></head><body><p>{body}</p></body></html>"
#: files → the sources given, exit code, stderr lines, articles stored.
FILES = {
    "feed file cut at an item": (
        {"cut.rss": CUT_RSS},
        ["cut.rss"],
        2,
        ["Error: cut.rss: feed cut short (no closing </rss>)"],
        0,
    ),
    "utf-16 declared over UTF-8 in a file": (
        {"u.rss": FALSE_UTF16.decode("utf-8")},
        ["u.rss"],
        0,
        [],
        10,
    ),
    "semicolon CSV": (
        {"t.csv": "id;headline;body\n1;Floods hit the north;Rain.\n2;Talks in Geneva;Met.\n"},
        ["t.csv"],
        0,
        [],
        2,
    ),
    "CSV with an unknown delimiter": (
        {"t.csv": "id:title:text\n1:Floods:Rain\n"},
        ["t.csv"],
        2,
        ["Error: t.csv: no title or text column (the columns: 'id:title:text')"],
        0,
    ),
    "CSV with two title columns": (
        {"t.csv": "id,title,title\n1,Floods,Rain\n"},
        ["t.csv"],
        2,
        ["Error: t.csv: the header names column 'title' twice"],
        0,
    ),
    "CSV with title and headline": (
        {"t.csv": "id,title,headline\n1,Floods,Rain\n"},
        ["t.csv"],
        2,
        ["Error: t.csv:2: columns 'title' and 'headline' both give the title: keep one"],
        0,
    ),
    "CSV with an all-empty row": (
        {"t.csv": "id,title\n1,Floods\n,\n2,Talks\n\n"},
        ["t.csv"],
        2,
        ["Error: t.csv:3: empty row (every field is blank)"],
        2,
    ),
    "a title of zero-width characters only": (
        {"p.html": PAGE.format(title="\u200b\u200c\u200d", body="\u200d\u2060")},
        ["p.html"],
        2,
        ["Error: p.html: no readable article"],
        0,
    ),
    "a link out of the folder": (
        {"secret.txt": "Not for the clusterer.", "pages/a.txt": "Floods in the north."},
        ["pages"],
        2,
        ["Error: pages/b.txt: symbolic link out of the folder (to {tmp}/secret.txt), not followed"],
        1,
    ),
}


@pytest.mark.parametrize(
    ("files", "sources", "code", "lines", "stored"), FILES.values(), ids=FILES.keys()
)
def test_a_file_is_read_whole_or_reported(runner, tmp_path, files, sources, code, lines, stored):
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content, encoding="utf-8")
    if "pages" in sources:
        (tmp_path / "pages" / "b.txt").symlink_to(tmp_path / "secret.txt")
    expected = [line.format(tmp=tmp_path.resolve()) for line in lines]
    assert _add(runner, *sources) == (code, expected, stored)


def test_skip_bad_lists_a_cut_feed_file_and_keeps_the_rest(runner, tmp_path):
    (tmp_path / "cut.rss").write_text(CUT_RSS, encoding="utf-8")
    (tmp_path / "t.jsonl").write_text('{"id": "j1", "title": "Floods"}\n', encoding="utf-8")
    code, lines, stored = _add(runner, "cut.rss", "t.jsonl", skip_bad=True)
    assert (code, lines[0], stored) == (
        0,
        "Skipped: cut.rss: feed cut short (no closing </rss>)",
        1,
    )


def test_a_link_inside_the_folder_is_followed(tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "a.txt").write_text("Floods in the north.", encoding="utf-8")
    (tmp_path / "pages" / "b.txt").symlink_to(tmp_path / "pages" / "a.txt")
    (tmp_path / "pages" / "c.txt").write_text("Talks in Geneva.", encoding="utf-8")
    loaded = load_articles([tmp_path / "pages"], skip_bad=True)
    assert list(loaded.articles["id"]) == ["a.txt", "b.txt", "c.txt"] and not loaded.skipped


def test_a_page_over_the_extraction_limit_is_read_plainly_with_a_warning(
    runner, tmp_path, monkeypatch
):
    monkeypatch.setattr(webpage, "EXTRACTION_LIMIT", 1000)
    body = "".join(f"<p>Paragraph {i} of the talks in Geneva.</p>" for i in range(60))
    (tmp_path / "big.html").write_text(PAGE.format(title="Talks", body=body), encoding="utf-8")
    code, lines, stored = _add(runner, "big.html")
    assert (code, stored) == (0, 1)
    assert lines == [
        f"Warning: big.html: page of {len(PAGE.format(title='Talks', body=body)):,} characters "
        "read without boilerplate removal (pages over 1,000 are not given to trafilatura)"
    ]


def test_a_url_with_a_password_is_refused_before_any_request():
    url = "http://user:s3cret@127.0.0.1:9/feed"
    message = "invalid URL (a user name or password in a URL is not supported)"
    assert feed_error(url) == f"{url}: {message}"  # the source as given, and only there
