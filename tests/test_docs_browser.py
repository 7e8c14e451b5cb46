"""``make docs``'s page in headless Chromium: the map and the timeline are drawn, nothing fetched.

Builds docs/explore.html into a temporary folder (running the notebook on the seeds); the
page loads plotly.js from the vendor/ folder beside it and nothing else.
Needs Debian's chromium (``make chromium``); skipped without it, except under CI. Saves
``test-artifacts/explore-map.png``, the map as docs/python.md shows it.
"""

from __future__ import annotations

import base64

import pytest

from devtools.docs import build
from tests.conftest import ROOT
from tests.test_report_browser import browser  # noqa: F401 (the fixture: Chromium or a skip)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = ROOT / "test-artifacts"

#: Every plotly figure of the page: its title and how many points it draws.
FIGURES = """Array.from(document.querySelectorAll('.js-plotly-plot'), gd => ({
  title: gd.layout.title.text,
  points: gd.calcdata.reduce((n, trace) => n + trace.length, 0),
  hover: gd.data.every(trace => trace.hovertemplate === undefined ||
                                trace.hovertemplate.includes('source: ')),
  drawn: gd.querySelectorAll('.scatterlayer .point').length,
}))"""

#: Scrolls the map into view and gives its box.
MAP_BOX = """(() => {
  const gd = Array.from(document.querySelectorAll('.js-plotly-plot'))
    .find(gd => gd.layout.title.text.startsWith('Stories by meaning'));
  gd.scrollIntoView();
  const box = gd.getBoundingClientRect();
  return {x: box.x + window.scrollX, y: box.y + window.scrollY,
          width: box.width, height: box.height};
})()"""


def test_the_page_shows_the_map_and_the_timeline_offline(browser, tmp_path):  # noqa: F811
    page = build(tmp_path / "explore.html")
    browser.open(page)
    browser.wait_for(f"{FIGURES}.filter(figure => figure.drawn > 0).length >= 3", timeout=120)
    figures = {figure["title"].split(" (")[0]: figure for figure in browser.evaluate(FIGURES)}
    for title in ("Stories by meaning", "Who reported first"):
        assert figures[title]["points"] == 5, title
        assert figures[title]["hover"], title
    assert figures["Stories by meaning"]["drawn"] == 5
    assert figures["Who reported first"]["drawn"] == 1  # only one seed has a date
    fetched = [url for url in browser.requests if not url.startswith(("data:", "about:"))]
    vendored = sorted((tmp_path / "vendor").glob("plotly-*.min.js"))
    assert len(vendored) == 1 and vendored[0].stat().st_size > 1_000_000
    assert fetched == [page.resolve().as_uri(), vendored[0].resolve().as_uri()]
    assert page.stat().st_size < 1_000_000
    box = browser.evaluate(MAP_BOX)
    shot = browser.send(
        "Page.captureScreenshot",
        {"format": "png", "clip": {**box, "scale": 1}, "captureBeyondViewport": True},
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "explore-map.png").write_bytes(base64.b64decode(shot["data"]))
    assert (ARTIFACTS / "explore-map.png").stat().st_size > 10_000
