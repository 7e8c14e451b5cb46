"""The desk in headless Chromium, as an editor uses it: split, reload, a live add, undo.

A real uvicorn server over a store of the seeds; the page is driven over the DevTools
pipe (:mod:`devtools.browser`). Skipped without Chromium, except under CI (env ``CI``).
Saves ``test-artifacts/desk.png`` (the README's ``docs/desk.png`` is a copy of it).
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from clustering.store.store import StoryStore
from devtools.browser import Chromium
from tests.conftest import ROOT, SEEDS, headless_chromium

uvicorn = pytest.importorskip("uvicorn")
from clustering.desk.app import Desk, make_app  # noqa: E402  (needs the desk extra)

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
RUSSIAN = ROOT / "tests" / "data" / "desk" / "ru_nasirzadeh.txt"
FRENCH = "002_58349e569f7a92d2.txt"

#: The stories on the list page: id → size.
SIZES = """Object.fromEntries([...document.querySelectorAll('tr[data-story]')]
  .map(row => [row.dataset.story, Number(row.querySelector('td.num').textContent)]))"""


@pytest.fixture(scope="module")
def browser():
    yield from headless_chromium(loopback=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def desk(tmp_path):
    """A desk over the seeds on a real server; yields its address and the store's path."""
    path = tmp_path / "desk.db"
    with StoryStore(path) as store:
        store.add_sources([SEEDS])
        embedder = store.embedder
    port = _free_port()
    served = Desk(path, embedder)
    config = uvicorn.Config(
        make_app(served),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the desk did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", path
    served.closing.set()  # ends the page's live stream, as Ctrl-C does in `serve`
    server.should_exit = True
    thread.join(timeout=10)


def _visit(browser: Chromium, url: str) -> None:
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1100, "height": 640, "deviceScaleFactor": 1, "mobile": False},
    )
    browser.send("Page.navigate", {"url": url})
    browser.wait_for(f"location.href === {url!r} && document.readyState === 'complete'")


def _members(browser: Chromium) -> list[str]:
    return browser.evaluate(
        "[...document.querySelectorAll('tr[data-article]')].map(row => row.dataset.article)"
    )


def test_an_editor_splits_adds_live_and_undoes(browser, desk):
    address, path = desk
    _visit(browser, f"{address}/")
    assert browser.evaluate(SIZES) == {"S1": 3, "S2": 1, "S3": 1}

    _visit(browser, f"{address}/story/S1")
    assert FRENCH in _members(browser)
    browser.evaluate(
        f"document.querySelector('input[name=ids][value=\"{FRENCH}\"]').click();"
        "document.querySelector('#split button[type=submit]').click()"
    )
    browser.wait_for("location.pathname === '/story/S4'")
    browser.wait_for("document.readyState === 'complete'")
    assert _members(browser) == [FRENCH]
    browser.send("Page.reload")
    browser.wait_for("document.readyState === 'complete' && !!document.querySelector('h1')")
    assert _members(browser) == [FRENCH]
    _visit(browser, f"{address}/story/S1")
    assert FRENCH not in _members(browser) and len(_members(browser)) == 2

    _visit(browser, f"{address}/")
    browser.wait_for("!document.getElementById('live').hidden")  # the live updates listen
    browser.evaluate("window.stillThisPage = true")
    with StoryStore(path) as store:  # what `samestory add` does, while the page is open
        store.add_sources([RUSSIAN])
    browser.wait_for(f"Object.values({SIZES}).reduce((a, b) => a + b, 0) === 6", timeout=30)
    assert browser.evaluate("window.stillThisPage === true")  # no reload: the page updated
    sizes = browser.evaluate(SIZES)
    assert sizes["S1"] in (2, 3) and sizes["S4"] in (1, 2)
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / "desk.png")

    browser.evaluate("document.querySelector('form[action=\"/undo\"] button').click()")
    browser.wait_for("location.pathname === '/story/S1'")
    browser.wait_for("document.readyState === 'complete' && !!document.querySelector('h1')")
    assert FRENCH in _members(browser)
