"""Stories as pandas DataFrames, for notebooks and reports: one row per story or per article."""

from __future__ import annotations

import pandas as pd

from clustering.grouping.result import HasStories, result_of
from clustering.grouping.stories import confidence_by_id, story_order

#: Columns of :func:`story_table`, in order.
STORY_COLUMNS = (
    "story",
    "size",
    "outlier",
    "languages",
    "sources",
    "first_published",
    "last_published",
    "representative",
    "title",
)


def _sources(articles: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """The distinct non-empty sources of each story, sorted."""
    if "source" not in articles:
        return {}
    known = articles.dropna(subset=["source"])
    known = known[known["source"].astype(str) != ""]
    return {
        str(story): tuple(sorted({str(source) for source in group}))
        for story, group in known.groupby("story", sort=False)["source"]
    }


def story_table(source: HasStories) -> pd.DataFrame:
    """One row per story: :data:`STORY_COLUMNS`, in story order (largest, then newest).

    ``representative`` is the id of the most central member and ``title`` its headline;
    ``languages`` and ``sources`` are sorted tuples.
    """
    result = result_of(source)
    sources = _sources(result.articles)
    rows = [
        (
            story.id,
            story.size,
            story.outlier,
            story.languages,
            sources.get(story.id, ()),
            story.first_published,
            story.last_published,
            story.representative,
            story.title,
        )
        for story in sorted(result.stories, key=story_order)
    ]
    table = pd.DataFrame(rows, columns=list(STORY_COLUMNS))
    for column in ("first_published", "last_published"):
        table[column] = pd.to_datetime(table[column])
    return table


def article_table(source: HasStories) -> pd.DataFrame:
    """The article table with ``story``, ``outlier``, ``story_size`` and ``confidence`` columns.

    ``confidence`` is each article's P(same story) with its story's representative (see
    :attr:`Story.confidence <clustering.grouping.stories.Story.confidence>`; NaN for a
    story of one article). Rows follow the stories in
    :func:`~clustering.grouping.stories.story_order`, then article id.
    """
    result = result_of(source)
    ordered = sorted(result.stories, key=story_order)
    rank = {story.id: number for number, story in enumerate(ordered)}
    size = {story.id: story.size for story in ordered}
    ids = result.articles["id"].astype(str)
    table = result.articles.assign(
        story_size=result.articles["story"].map(size),
        confidence=ids.map(confidence_by_id(ordered)).astype(float),
        _rank=result.articles["story"].map(rank),
    )
    table = table.sort_values(["_rank", "id"], kind="stable").drop(columns="_rank")
    return table.reset_index(drop=True)
