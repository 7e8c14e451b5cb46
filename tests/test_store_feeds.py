"""Feed validators kept in the store: a cron job's add of an unchanged feed costs one 304."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from clustering.cli import main
from clustering.store.database import StoreError
from clustering.store.store import StoryStore
from tests.fakes import open_fake_store
from tests.feedserver import serve

ETAG, LAST_MODIFIED = '"v1"', "Fri, 06 Feb 2026 09:30:00 GMT"
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Caspian Wire</title>
<item><title>a0 Defence ministers meet in Baku</title><guid isPermaLink="false">wire-1</guid></item>
<item><title>zz Floods in the north</title><guid isPermaLink="false">wire-2</guid></item>
</channel></rss>
"""
#: The paths the server answered in full (200), in order.
FULL: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    """A feed with an ETag (/etag) or a Last-Modified (/last-modified); anything else: 404."""

    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        unchanged = {
            "/etag": self.headers.get("If-None-Match") == ETAG,
            "/last-modified": self.headers.get("If-Modified-Since") == LAST_MODIFIED,
        }
        if self.path not in unchanged:
            self.send_response(404)
            self.end_headers()
        elif unchanged[self.path]:
            self.send_response(304)
            self.end_headers()
        else:
            FULL.append(self.path)
            body = RSS.encode("utf-8")
            self.send_response(200)
            if self.path == "/etag":
                self.send_header("ETag", ETAG)
            else:
                self.send_header("Last-Modified", LAST_MODIFIED)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    """The base URL of the feed server on 127.0.0.1."""
    yield from serve(_Handler)


@pytest.fixture(autouse=True)
def _setup(monkeypatch: pytest.MonkeyPatch, no_proxy: None) -> None:
    """No proxy for 127.0.0.1, the fake model, and an empty server log."""
    monkeypatch.setattr("clustering.cli.store.open_store", open_fake_store)
    FULL.clear()


def _feeds(db):
    connection = sqlite3.connect(db)
    rows = connection.execute("SELECT url, etag, last_modified, checked_at FROM feeds").fetchall()
    connection.close()
    return rows


def _run(runner, *args):
    return runner.invoke(main, [str(a) for a in args])


@pytest.mark.parametrize(
    ("route", "kept"), [("/etag", (ETAG, None)), ("/last-modified", (None, LAST_MODIFIED))]
)
def test_add_from_cron_downloads_an_unchanged_feed_once(runner, tmp_path, base, route, kept):
    db, url = tmp_path / "s.db", base + route
    first = _run(runner, "add", "--store", db, url)
    assert (first.exit_code, first.stdout) == (
        0,
        "wire-1\tS1\tnew\nwire-2\tS2\tnew\n",
    ), first.output
    checked = []
    for _ in range(2):  # each a new process, as cron starts them: the store remembers
        again = _run(runner, "add", "--store", db, url)
        assert (again.exit_code, again.stdout, again.stderr) == (0, "", "")
        [(where, etag, modified, when)] = _feeds(db)
        assert (where, etag, modified) == (url, *kept)
        checked.append(when)  # when the server last answered, a 304 included
    assert [route] == FULL
    assert checked == sorted(checked) and checked[0] < checked[1]
    listed = _run(runner, "export", "--store", db)
    assert len(listed.stdout.splitlines()) == 2


def test_watch_and_add_share_the_validators(runner, tmp_path, base):
    db, url = tmp_path / "s.db", base + "/etag"
    watched = _run(runner, "watch", "--store", db, url, "--count", "1")
    assert (watched.exit_code, len(watched.stdout.splitlines())) == (0, 2), watched.output
    added = _run(runner, "add", "--store", db, url)
    rewatched = _run(runner, "watch", "--store", db, url, "--count", "1")
    assert (added.exit_code, added.stdout, rewatched.exit_code, rewatched.stdout) == (0, "", 0, "")
    assert FULL == ["/etag"]


def test_validators_are_kept_only_with_the_articles(runner, tmp_path, base, monkeypatch):
    db, url = tmp_path / "s.db", base + "/etag"
    with monkeypatch.context() as patch:

        def full_disk(self, articles):
            raise StoreError(f"{self.path}: the disk is full")

        patch.setattr(StoryStore, "add", full_disk)
        failed = _run(runner, "add", "--store", db, url)
    assert (failed.exit_code, failed.stderr) == (2, f"Error: {db}: the disk is full\n")
    assert _feeds(db) == []  # so the next run asks for the whole feed again
    added = _run(runner, "add", "--store", db, url)
    assert (added.exit_code, len(added.stdout.splitlines())) == (0, 2)
    assert FULL == ["/etag", "/etag"]


def test_a_feed_that_failed_keeps_no_validators(runner, tmp_path, base):
    db, url = tmp_path / "s.db", base + "/missing"
    result = _run(runner, "add", "--store", db, url, base + "/etag")
    assert (result.exit_code, result.stderr) == (2, f"Error: {url}: HTTP 404 Not Found\n")
    assert [row[:2] for row in _feeds(db)] == [(base + "/etag", ETAG)]
