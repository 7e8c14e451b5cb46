"""The HTML report without a browser: escaping, embedded data, no outside resources, CLI."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re

import numpy as np
import pandas as pd
import pytest

from clustering import ARTICLE_COLUMNS, ClusterResult
from clustering.cli import main
from clustering.grouping.stories import Story
from clustering.output.report import render_report, report_data, script_json
from tests.conftest import SEEDS

SCRIPT_TITLE = "<script>alert(1)</script>"


def article_rows(*rows: dict) -> pd.DataFrame:
    """A prepared article table taken as is: loaders would strip the markup from titles."""
    table = pd.DataFrame([{c: row.get(c) for c in ARTICLE_COLUMNS} for row in rows])
    table["published"] = pd.to_datetime(table["published"])
    return table


def _hostile() -> ClusterResult:
    """Two stories whose fields try to break out of the page."""
    articles = article_rows(
        {"id": "x1", "title": SCRIPT_TITLE, "url": "javascript:alert(2)", "source": "<b>S</b>"},
        {
            "id": "x2",
            "title": "</script><img src=x onerror=alert(3)>",
            "url": "https://e.org/a?b&c",
        },
        {"id": "x3", "title": "Fish & chips", "lang": "en", "published": "2021-07-01"},
    )
    articles["story"] = ["S1", "S1", "S2"]
    articles["outlier"] = [False, False, True]
    stories = [
        Story("S1", ("x1", "x2"), False, "x1", SCRIPT_TITLE, (), None, None),
        Story("S2", ("x3",), True, "x3", "Fish & chips", ("en",), None, None),
    ]
    vectors = np.eye(3, 4, dtype=np.float32)
    return ClusterResult(articles, stories, embeddings=vectors)


def _embedded(page: str) -> dict:
    found = re.search(r'<script id="samestory-data" type="application/json">(.*?)</script>', page)
    assert found
    return json.loads(found.group(1))


def test_article_text_cannot_leave_the_data_block():
    page = render_report(_hostile(), title="Desk <3 & co")
    assert SCRIPT_TITLE not in page
    assert "<img" not in page
    assert page.count("</script>") == 2
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in page
    assert "<title>Desk &lt;3 &amp; co</title>" in page
    data = _embedded(page)
    assert data["articles"]["title"][:2] == [SCRIPT_TITLE, "</script><img src=x onerror=alert(3)>"]
    assert data["articles"]["source"][0] == "<b>S</b>"


def test_only_http_links_survive():
    data = report_data(_hostile())
    assert data["articles"]["url"] == [None, "https://e.org/a?b&c", None]


def test_the_page_loads_nothing_and_allows_only_its_own_script_and_style():
    page = render_report(_hostile())
    assert not re.search(r"\b(src|href)\s*=", page.split('<script id="samestory-data"')[0])
    assert "<link" not in page and "@import" not in page and "url(" not in page
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
    policy = html.unescape(policy)
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)

    def digest(code: str) -> str:
        return base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()

    assert policy == (
        f"default-src 'none'; script-src 'sha256-{digest(script)}'; "
        f"style-src 'sha256-{digest(style)}'; base-uri 'none'; form-action 'none'"
    )


def test_report_data_columns_and_story_order():
    data = report_data(_hostile())
    assert [s["id"] for s in data["stories"]] == ["S1", "S2"]
    assert data["stories"][0]["members"] == [0, 1]
    assert data["stories"][0]["representative"] == 0
    assert data["articles"]["story"] == [0, 0, 1]
    assert data["articles"]["published"] == [None, None, "2021-07-01T00:00:00Z"]
    assert all(0 <= v <= 1000 for v in data["articles"]["x"] + data["articles"]["y"])


def test_without_vectors_every_article_sits_in_the_middle():
    result = _hostile()
    result.embeddings = None
    data = report_data(result)
    assert data["articles"]["x"] == [500, 500, 500] and data["articles"]["y"] == [500, 500, 500]


def test_script_json_escapes_markup_characters():
    assert script_json({"t": "<a & b>"}) == '{"t":"\\u003ca \\u0026 b\\u003e"}'


@pytest.mark.slow
def test_report_command_writes_the_seed_stories(runner, tmp_path):
    out = tmp_path / "report.html"
    result = runner.invoke(main, ["report", str(SEEDS), "-o", str(out), "--title", "Seeds"])
    assert result.exit_code == 0, result.output
    data = _embedded(out.read_text(encoding="utf-8"))
    assert [(s["id"], len(s["members"]), s["outlier"]) for s in data["stories"]] == [
        ("S1", 3, False),
        ("S2", 1, True),
        ("S3", 1, True),
    ]
    assert "<title>Seeds</title>" in out.read_text(encoding="utf-8")


def test_report_of_a_store(runner, tmp_path):
    store = tmp_path / "desk.db"
    assert runner.invoke(main, ["add", "--store", str(store), str(SEEDS)]).exit_code == 0
    out = tmp_path / "report.html"
    result = runner.invoke(main, ["report", "--store", str(store), "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = _embedded(out.read_text(encoding="utf-8"))
    assert sorted(len(s["members"]) for s in data["stories"]) == [1, 1, 3]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ([], "Error: give PATHS or --store FILE.db\n"),
        ([str(SEEDS), "--store", "x.db"], "Error: give PATHS or --store FILE.db, not both\n"),
        (["missing-dir"], "Error: missing-dir: no such file or directory\n"),
    ],
)
def test_report_usage_errors(runner, tmp_path, monkeypatch, args, error):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.db").touch()
    result = runner.invoke(main, ["report", *args, "-o", "out.html"])
    assert result.exit_code == 2
    assert result.stderr == error


def test_bad_row_is_one_line_with_file_and_line(runner, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "title": "fine"}\n{"id": 2,\n', encoding="utf-8")
    result = runner.invoke(main, ["report", str(bad), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {bad}:2: ")
    assert result.stderr.count("\n") == 1


def test_a_store_of_another_model_is_one_line(runner, tmp_path):
    store = tmp_path / "desk.db"
    assert runner.invoke(main, ["add", "--store", str(store), str(SEEDS)]).exit_code == 0
    result = runner.invoke(
        main, ["report", "--store", str(store), "--model", "e5", "-o", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1


def test_pandas_missing_values_become_null():
    result = _hostile()
    result.articles.loc[2, "source"] = pd.NA
    assert report_data(result)["articles"]["source"][2] is None
