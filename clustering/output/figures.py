"""Interactive figures of a result for notebooks: the map, the timeline, sources by story.

Each figure is a plotly figure with one point per article; hovering over a point shows
its headline, source, language and publication time. plotly is in the ``notebook`` extra
and imported only when a figure is made, so the library never needs it otherwise.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from clustering.grouping.result import HasStories, result_of
from clustering.grouping.stories import story_order
from clustering.output.projection import project_2d
from clustering.output.report import render_report
from clustering.reading.values import text_or_none

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

Source = HasStories

#: The hover fields of every point, in the order of ``customdata``.
HOVER_FIELDS = ("headline", "source", "language", "time", "story")
_HOVER = (
    "<b>%{customdata[0]}</b><br>source: %{customdata[1]}<br>language: %{customdata[2]}"
    "<br>time: %{customdata[3]}<br>story: %{customdata[4]}<extra></extra>"
)
_INSTALL = "pip install 'samestory[notebook]'"
#: The label of articles without a source (or language).
UNKNOWN = "unknown"
OUTLIERS = "outliers (stories of one)"


def _plotly() -> Any:
    """plotly.graph_objects, or an ImportError that says how to install it."""
    try:
        import plotly.graph_objects as go
    except ImportError as error:
        raise ImportError(f"the interactive figures need plotly: {_INSTALL}") from error
    return go


def _text(value: object) -> str:
    return text_or_none(value) or UNKNOWN


def points(source: Source) -> pd.DataFrame:
    """One row per article in story order (then id): what the figures draw and show.

    Columns: ``id``, the hover fields, ``published`` (a timestamp or NaT), ``story_rank``
    (0 for the largest story), ``story_title`` (its representative's headline),
    ``outlier``, and ``x``/``y`` (the 2-D map of the vectors, see
    :func:`~clustering.output.projection.project_2d`; the centre without vectors).
    """
    result = result_of(source)
    articles = result.articles.reset_index(drop=True)
    if result.embeddings is not None and len(result.embeddings) == len(articles):
        xy = project_2d(result.embeddings)
    else:
        xy = np.full((len(articles), 2), 0.5)
    ordered = sorted(result.stories, key=story_order)
    rank = {story.id: n for n, story in enumerate(ordered)}
    headline = {story.id: story.title for story in ordered}
    published = pd.to_datetime(articles["published"])
    table = pd.DataFrame(
        {
            "id": articles["id"].astype(str),
            "headline": [str(t) for t in articles["title"]],
            "source": [_text(s) for s in articles.get("source", pd.Series([None] * len(articles)))],
            "language": [_text(lang) for lang in articles["lang"]],
            "time": [UNKNOWN if pd.isna(t) else t.isoformat(sep=" ") for t in published],
            "story": articles["story"].astype(str),
            "published": published,
            "story_rank": articles["story"].map(rank).astype(int),
            "story_title": articles["story"].map(headline).astype(str),
            "outlier": articles["outlier"].astype(bool),
            "x": xy[:, 0],
            "y": xy[:, 1],
        }
    )
    return table.sort_values(["story_rank", "id"], kind="stable").reset_index(drop=True)


def _hover(frame: pd.DataFrame) -> dict[str, object]:
    return {
        "customdata": frame[list(HOVER_FIELDS)].to_numpy(dtype=object),
        "hovertemplate": _HOVER,
    }


def _groups(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The traces: one per story of two or more, then one for all the outliers."""
    shared = table[~table["outlier"]]
    out = [(story, shared[shared["story"] == story]) for story in shared["story"].unique()]
    lone = table[table["outlier"]]
    return [*out, (OUTLIERS, lone)] if len(lone) else out


def visualize_map(source: Source, title: str = "Stories by meaning") -> Figure:
    """The articles on the 2-D map of their vectors: colour by story, marker by language.

    Articles close on the map have close meanings, whatever their language.
    """
    go = _plotly()
    table = points(source)
    symbols = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "hexagon")
    languages = sorted(table["language"].unique())
    figure = go.Figure()
    for name, frame in _groups(table):
        marker = [symbols[languages.index(lang) % len(symbols)] for lang in frame["language"]]
        figure.add_scatter(
            x=frame["x"],
            y=frame["y"],
            mode="markers",
            name=name if name == OUTLIERS else f"{name}: {frame['story_title'].iloc[0][:40]}",
            marker={"symbol": marker, "size": 11, "line": {"width": 1}},
            **_hover(frame),
        )
    figure.update_layout(
        title=f"{title} (marker: language, {', '.join(languages)})",
        xaxis={"visible": False},
        yaxis={"visible": False},
        legend_title_text="story",
    )
    return figure


def visualize_timeline(source: Source, title: str = "Who reported first") -> Figure:
    """Each story's articles on a time axis, one row per story, largest story on top.

    Hover shows how long after the story's first report each article came. Undated
    articles are in the data but have no place on the time axis.
    """
    go = _plotly()
    table = points(source)
    first = table.groupby("story")["published"].transform("min")
    after = [
        "" if pd.isna(gap) else f" ({gap / pd.Timedelta(hours=1):.0f} h after the first)"
        for gap in table["published"] - first
    ]
    table = table.assign(time=table["time"] + pd.Series(after, index=table.index))
    figure = go.Figure()
    for language in sorted(table["language"].unique()):
        frame = table[table["language"] == language]
        figure.add_scatter(
            x=[None if pd.isna(t) else t.isoformat() for t in frame["published"]],
            y=frame["story"],
            mode="markers",
            name=language,
            marker={"size": 11},
            **_hover(frame),
        )
    order = list(dict.fromkeys(table["story"]))
    figure.update_layout(
        title=title,
        xaxis={"type": "date", "title": "published"},
        yaxis={"categoryorder": "array", "categoryarray": order[::-1], "title": "story"},
        legend_title_text="language",
    )
    return figure


def visualize_sources(source: Source, title: str = "Which source covered which story") -> Figure:
    """A source × story matrix: one point per article in its source's row, story's column.

    Several articles of one source on one story sit side by side in the cell.
    """
    go = _plotly()
    table = points(source)
    stories = list(dict.fromkeys(table["story"]))
    sources = sorted(table["source"].unique())
    cell = table.groupby(["story", "source"]).cumcount()
    size = table.groupby(["story", "source"])["id"].transform("count")
    x = table["story"].map(stories.index) + (cell - (size - 1) / 2) * 0.8 / size.clip(lower=2)
    y = table["source"].map(sources.index)
    figure = go.Figure()
    figure.add_scatter(
        x=x, y=y, mode="markers", name="article", marker={"size": 11}, **_hover(table)
    )
    figure.update_layout(
        title=title,
        xaxis={"tickvals": list(range(len(stories))), "ticktext": stories, "title": "story"},
        yaxis={"tickvals": list(range(len(sources))), "ticktext": sources, "title": "source"},
        showlegend=False,
    )
    return figure


def report_frame(source: Source, height: int = 640) -> str:
    """The HTML report in a sandboxed ``<iframe>``, its page kept apart from the notebook's."""
    page = html.escape(render_report(source), quote=True)
    return (
        f'<div><iframe srcdoc="{page}" sandbox="allow-scripts" title="samestory report" '
        f'style="width: 100%; height: {height}px; border: 0"></iframe></div>'
    )


def show_report(source: Source, height: int = 640) -> Any:
    """The HTML report, rendered inline in a notebook (an ``IPython.display.HTML`` object)."""
    try:
        from IPython.display import HTML
    except ImportError as error:
        raise ImportError(f"show_report needs IPython (Jupyter): {_INSTALL}") from error
    return HTML(report_frame(source, height))
