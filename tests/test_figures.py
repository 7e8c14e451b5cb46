"""Interactive figures: one point per article with its hover fields, the same at every run."""

from __future__ import annotations

import builtins
import html

import pytest

from clustering import (
    StoryClusterer,
    articles_from_records,
    show_report,
    visualize_map,
    visualize_sources,
    visualize_timeline,
)
from clustering.output.figures import HOVER_FIELDS, OUTLIERS, points
from tests.fakes import AngleEmbedder

FIGURES = [visualize_map, visualize_timeline, visualize_sources]


@pytest.fixture(scope="module")
def clusterer():
    rows = [
        ("a", "a10 Quake hits the coast", "Wire", "en", "2026-03-01T08:00"),
        ("b", "a10 Séisme sur la côte", "Journal", "fr", "2026-03-01T11:00"),
        ("c", "a10 Beben an der Küste", "Wire", "de", "2026-03-02T08:00"),
        ("d", "a90 Election called", "Journal", "en", "2026-03-05T09:00"),
        ("e", "a91 Élections anticipées", None, "fr", None),
        ("f", "zz Weather is fine", "Blog", "en", "2026-03-03T00:00"),
    ]
    records = [
        {"id": i, "title": t, "source": s, "lang": lang, "published": p}
        for i, t, s, lang, p in rows
    ]
    articles = articles_from_records(records).articles
    model = StoryClusterer(embedder=AngleEmbedder(), pair_model=None, max_distance=0.2)
    return model.fit(articles)


def _points(figure):
    """(id-free) hover rows of every point of every trace, and the number of x positions."""
    rows = [tuple(row) for trace in figure.data for row in trace.customdata]
    xs = sum(len(trace.x) for trace in figure.data)
    return rows, xs


@pytest.mark.parametrize("draw", FIGURES)
def test_each_figure_has_one_point_per_article_with_hover_fields(clusterer, draw):
    figure = draw(clusterer)
    rows, xs = _points(figure)
    assert xs == len(rows) == 6
    headlines = sorted(row[0] for row in rows)
    assert headlines == sorted(clusterer.articles_["title"])
    for trace in figure.data:
        for field in ("customdata[0]", "source", "language", "time"):
            assert field in trace.hovertemplate
    by_headline = {row[0]: row for row in rows}
    quake = by_headline["a10 Quake hits the coast"]
    assert quake[1:3] == ("Wire", "en")
    assert quake[3].startswith("2026-03-01 08:00:00")
    assert by_headline["a91 Élections anticipées"][1] == "unknown"


@pytest.mark.parametrize("draw", FIGURES)
def test_figures_are_deterministic(clusterer, draw):
    assert draw(clusterer).to_json() == draw(clusterer).to_json()


def test_the_map_has_a_trace_per_story_and_one_for_outliers(clusterer):
    names = [trace.name for trace in visualize_map(clusterer).data]
    assert names == ["S1: a10 Quake hits the coast", "S2: a90 Election called", OUTLIERS]
    assert points(clusterer)["story"].tolist() == ["S1", "S1", "S1", "S2", "S2", "S3"]


def test_the_timeline_says_how_long_after_the_first_report(clusterer):
    figure = visualize_timeline(clusterer)
    dates = sorted(str(x) for trace in figure.data for x in trace.x if x is not None)
    assert dates[:2] == ["2026-03-01T08:00:00", "2026-03-01T11:00:00"]
    assert len(dates) == 5  # e is undated
    assert figure.layout.xaxis.type == "date"
    rows, _ = _points(figure)
    times = {row[0]: row[3] for row in rows}
    assert times["a10 Séisme sur la côte"] == "2026-03-01 11:00:00 (3 h after the first)"
    assert times["a10 Beben an der Küste"].endswith("(24 h after the first)")
    assert times["a91 Élections anticipées"] == "unknown"


def test_the_sources_matrix_has_a_row_per_source(clusterer):
    figure = visualize_sources(clusterer)
    assert list(figure.layout.yaxis.ticktext) == ["Blog", "Journal", "Wire", "unknown"]
    assert list(figure.layout.xaxis.ticktext) == ["S1", "S2", "S3"]


def test_show_report_renders_the_report_in_a_sandboxed_frame(clusterer):
    shown = show_report(clusterer)
    assert shown.data.startswith('<div><iframe srcdoc="')
    assert 'sandbox="allow-scripts"' in shown.data
    assert html.escape("a10 Quake hits the coast") in html.unescape(shown.data)


def test_without_plotly_a_figure_says_how_to_install_it(clusterer, monkeypatch):
    real = builtins.__import__

    def no_plotly(name, *args, **kwargs):
        if name.startswith("plotly"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_plotly)
    with pytest.raises(ImportError, match=r"pip install 'samestory\[notebook\]'"):
        visualize_map(clusterer)


def test_the_hover_fields_are_named():
    assert HOVER_FIELDS[:4] == ("headline", "source", "language", "time")
