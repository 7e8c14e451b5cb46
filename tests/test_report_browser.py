"""The seeds' report in headless Chromium: stories visible, markup stays text, no network.

Needs Debian's chromium (``make chromium``). Skipped when it is missing, except under CI
(env ``CI`` set), where a missing browser fails. Saves ``test-artifacts/report-seeds.png``.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from clustering import (
    StoryClusterer,
    articles_from_records,
    load_articles,
    make_embedder,
    render_report,
    story_table,
)
from tests.conftest import ROOT, SEEDS, headless_chromium

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
SCRIPT_TITLE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def browser():
    yield from headless_chromium()


@pytest.fixture(scope="module")
def seeds_page(tmp_path_factory):
    """The seeds clustered, with one more article whose headline is a script tag."""
    articles = load_articles([SEEDS]).articles
    extra = {"id": "zz-markup", "title": SCRIPT_TITLE, "text": "A headline that is markup."}
    articles = pd.concat([articles, pd.DataFrame([extra])], ignore_index=True)
    clusterer = StoryClusterer(embedder=make_embedder()).fit(articles)
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_report(clusterer, title="Seeds"), encoding="utf-8")
    return path, story_table(clusterer)


CARD = """(() => {
  const node = document.querySelector('[data-story="%s"]');
  if (!node) return null;
  const box = node.getBoundingClientRect();
  const style = getComputedStyle(node);
  return {width: box.width, height: box.height, text: node.textContent,
          shown: style.display !== 'none' && style.visibility === 'visible'};
})()"""


#: Types a query into the search box and lists the stories shown.
SEARCH = """(query => {
  const box = document.getElementById('q');
  box.value = query;
  box.dispatchEvent(new Event('input'));
  return Array.from(document.querySelectorAll('[data-story]'), node => node.dataset.story);
})"""


def test_the_seed_stories_are_visible_and_nothing_is_fetched(browser, seeds_page):
    path, table = seeds_page
    assert table[["story", "size", "outlier"]].values.tolist() == [
        ["S1", 3, False],
        ["S2", 1, True],
        ["S3", 1, True],
        ["S4", 1, True],
    ]
    browser.open(path)
    browser.wait_for("document.body.dataset.ready === '1'")
    for story, title in zip(table["story"][:3], table["title"][:3], strict=True):
        card = browser.evaluate(CARD % story)
        assert card is not None, story
        assert card["shown"] and card["width"] > 0 and card["height"] > 0, (story, card)
        assert title in card["text"], story
    assert browser.evaluate("document.getElementById('count').textContent") == "4 of 4 stories"
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / "report-seeds.png")
    assert (ARTIFACTS / "report-seeds.png").stat().st_size > 10_000
    assert browser.requests == [path.resolve().as_uri()]
    assert browser.dialogs == []


def test_a_script_headline_renders_as_text_and_runs_nothing(browser, seeds_page):
    path, _ = seeds_page
    browser.open(path)
    browser.wait_for("document.body.dataset.ready === '1'")
    row = browser.evaluate(CARD % "S4")
    assert row["shown"] and row["height"] > 0
    assert SCRIPT_TITLE in row["text"]
    assert browser.evaluate("document.scripts.length") == 2
    assert browser.dialogs == []
    assert browser.requests == [path.resolve().as_uri()]


def test_the_search_box_filters_stories(browser, seeds_page):
    path, _ = seeds_page
    browser.open(path)
    browser.wait_for("document.body.dataset.ready === '1'")

    def search(query: str) -> list[str]:
        return browser.evaluate(f"{SEARCH}({json.dumps(query)})")

    assert search("qalibaf") == ["S2"]
    assert search("iyev") == ["S1", "S2"]
    assert search("Défense") == search("defense") == ["S1"]
    assert search("story:S3") == ["S3"]
    assert search("") == ["S1", "S2", "S3", "S4"]


def test_the_request_and_dialog_checks_catch_what_they_look_for(browser, tmp_path):
    page = tmp_path / "leaky.html"
    page.write_text(
        '<img src="http://example.invalid/pixel.png"><script>alert("hi")</script>',
        encoding="utf-8",
    )
    browser.open(page)
    assert browser.requests == [page.resolve().as_uri(), "http://example.invalid/pixel.png"]
    assert browser.dialogs == ["alert: hi"]


#: The left edges of the year and of the hour in a member row's time, as drawn.
TIME_EDGES = """(id => {
  const row = Array.from(document.querySelectorAll('li')).find(
    node => node.querySelector('.aid') && node.querySelector('.aid').textContent === id);
  const time = row.querySelector('.src time');
  const text = time.firstChild;
  const left = (start, end) => {
    const range = document.createRange();
    range.setStart(text, start);
    range.setEnd(text, end);
    return range.getBoundingClientRect().left;
  };
  return {dir: time.dir, text: time.textContent, year: left(0, 4), hour: left(11, 16),
          source: row.querySelector('.src bdi').textContent};
})"""


def test_times_in_arabic_and_persian_rows_read_left_to_right_in_utc(browser, tmp_path):
    rows = [
        {"id": "ar", "title": "الرئيس يزور باكو", "source": "الجزيرة", "lang": "ar"},
        {"id": "fa", "title": "سفر وزیر دفاع به باکو", "source": "ایرنا", "lang": "fa"},
        {"id": "en", "title": "Minister visits Baku", "source": "Wire", "lang": "en"},
    ]
    for row in rows:
        row["published"] = "2025-03-12T05:40:00"
    clusterer = StoryClusterer(embedder=make_embedder()).fit(articles_from_records(rows).articles)
    path = tmp_path / "report.html"
    path.write_text(render_report(clusterer, title="Times"), encoding="utf-8")
    browser.open(path)
    browser.wait_for("document.body.dataset.ready === '1'")
    for row in rows:
        edges = browser.evaluate(f"{TIME_EDGES}({json.dumps(row['id'])})")
        assert (edges["dir"], edges["text"], edges["source"]) == (
            "ltr",
            "2025-03-12 05:40 UTC",
            row["source"],
        )
        assert edges["year"] < edges["hour"]
