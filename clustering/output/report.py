"""A self-contained HTML report of stories for editors: cards, outliers, a map and a filter.

The page makes no network request: its style and script are inline (and the only ones a
Content-Security-Policy allows, by hash), the data is JSON inside a
``<script type="application/json">`` with ``<``, ``>`` and ``&`` escaped, and the page's
script writes every article field with ``textContent``. Links are plain ``http(s)`` hrefs
that nothing fetches until clicked.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from importlib import resources

import numpy as np

from clustering.grouping.result import ClusterResult, HasStories, result_of
from clustering.grouping.stories import story_order
from clustering.output.projection import project_2d
from clustering.reading.values import text_or_none, utc_iso_or_none

DEFAULT_TITLE = "samestory report"
_ARTICLE_FIELDS = ("id", "title", "lang", "source", "url")
_MAP_SCALE = 1000


def _template(name: str) -> str:
    return (resources.files("clustering.output.templates") / name).read_text(encoding="utf-8")


def _link(url: object) -> str | None:
    """``url`` if it is an http(s) address, else None: no ``javascript:`` links."""
    text = text_or_none(url)
    if text is None or not text.strip().lower().startswith(("http://", "https://")):
        return None
    return text.strip()


def _map(result: ClusterResult) -> np.ndarray:
    """Integer map coordinates in [0, 1000] per article (all centred without vectors)."""
    n = len(result.articles)
    if result.embeddings is None or len(result.embeddings) != n:
        return np.full((n, 2), _MAP_SCALE // 2, dtype=np.int64)
    return np.rint(project_2d(result.embeddings) * _MAP_SCALE).astype(np.int64)


def report_data(source: HasStories) -> dict[str, object]:
    """What the page shows, as JSON-ready columns.

    ``articles`` holds one list per field (``story`` is an index into ``stories``, ``x``
    and ``y`` the map position in 0..1000); ``stories`` are in :func:`story_order`, each
    with its member and representative article indices.
    """
    result = result_of(source)
    articles = result.articles.reset_index(drop=True)
    stories = sorted(result.stories, key=story_order)
    number = {story.id: index for index, story in enumerate(stories)}
    row = {article_id: index for index, article_id in enumerate(articles["id"].astype(str))}
    points = _map(result)
    columns: dict[str, list[object]] = {
        name: [text_or_none(v) for v in articles[name]]
        if name in articles
        else [None] * len(articles)
        for name in _ARTICLE_FIELDS
    }
    columns["url"] = [_link(url) for url in columns["url"]]
    columns["published"] = [utc_iso_or_none(value) for value in articles["published"]]
    columns["story"] = [number[str(story)] for story in articles["story"]]
    columns["x"] = points[:, 0].tolist()
    columns["y"] = points[:, 1].tolist()
    return {
        "articles": columns,
        "stories": [
            {
                "id": story.id,
                "outlier": story.outlier,
                "representative": row[story.representative],
                "members": [row[member] for member in story.members],
                "languages": list(story.languages),
                "first": utc_iso_or_none(story.first_published),
                "last": utc_iso_or_none(story.last_published),
            }
            for story in stories
        ],
    }


def script_json(data: object) -> str:
    """JSON safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` as unicode escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _digest(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"


def render_report(source: HasStories, title: str = DEFAULT_TITLE) -> str:
    """The report as one HTML document (see the module docstring)."""
    style, script = _template("report.css"), _template("report.js")
    policy = (
        f"default-src 'none'; script-src {_digest(script)}; style-src {_digest(style)}; "
        "base-uri 'none'; form-action 'none'"
    )
    parts = {
        "policy": html.escape(policy),
        "title": html.escape(title),
        "style": style,
        "data": script_json(report_data(source)),
        "script": script,
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], _template("report.html"))
