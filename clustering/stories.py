"""Stories as results: typed records built from cluster labels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Story:
    """One story: the articles that report one event.

    ``outlier`` marks a story of one article that HDBSCAN could not place; ``representative``
    is the most central member (highest mean similarity to the others).
    """

    id: str
    members: tuple[str, ...]
    outlier: bool
    representative: str
    title: str
    languages: tuple[str, ...]
    first_published: pd.Timestamp | None
    last_published: pd.Timestamp | None

    @property
    def size(self) -> int:
        """Number of articles in the story."""
        return len(self.members)


def _representative(indices: np.ndarray, similarity: np.ndarray, ids: np.ndarray) -> int:
    if len(indices) == 1:
        return int(indices[0])
    block = similarity[np.ix_(indices, indices)]
    centrality = (block.sum(axis=1) - 1.0) / (len(indices) - 1)
    best = np.flatnonzero(np.isclose(centrality, centrality.max(), rtol=0, atol=1e-9))
    return int(min(indices[best], key=lambda i: ids[i]))


def _timestamp(value: np.datetime64) -> pd.Timestamp | None:
    return None if np.isnat(value) else pd.Timestamp(value)


def build_stories(
    groups: np.ndarray, outlier: np.ndarray, articles: pd.DataFrame, similarity: np.ndarray
) -> tuple[list[Story], np.ndarray]:
    """Stories from per-article group numbers, ordered and named ``S1``, ``S2`` and so on.

    Order: larger stories first, then the earlier first publication, then the smallest
    member id. ``similarity`` picks each story's most central member. Returns the stories
    and each article's index into them.
    """
    ids = articles["id"].to_numpy(dtype=str)
    titles = articles["title"].to_numpy(dtype=object)
    langs = articles["lang"].to_numpy(dtype=object)
    published = pd.to_datetime(articles["published"]).to_numpy(dtype="datetime64[ns]")
    by_group = np.lexsort((ids, groups))
    bounds = np.flatnonzero(np.diff(groups[by_group])) + 1
    drafts = []
    for indices in np.split(by_group, bounds) if len(by_group) else []:
        times = published[indices]
        times = times[~np.isnat(times)]
        first = times.min() if len(times) else np.datetime64("NaT")
        last = times.max() if len(times) else np.datetime64("NaT")
        drafts.append((indices, first, last))
    drafts.sort(
        key=lambda d: (
            -len(d[0]),
            np.isnat(d[1]),
            d[1].astype("int64") if not np.isnat(d[1]) else 0,
            ids[d[0][0]],
        )
    )
    stories: list[Story] = []
    index_of = np.empty(len(ids), dtype=np.int64)
    for number, (indices, first, last) in enumerate(drafts):
        centre = _representative(indices, similarity, ids)
        story_langs = {str(lang) for lang in langs[indices] if isinstance(lang, str)}
        stories.append(
            Story(
                id=f"S{number + 1}",
                members=tuple(str(ids[i]) for i in indices),
                outlier=bool(len(indices) == 1 and outlier[indices[0]]),
                representative=str(ids[centre]),
                title=str(titles[centre]),
                languages=tuple(sorted(story_langs)),
                first_published=_timestamp(first),
                last_published=_timestamp(last),
            )
        )
        index_of[indices] = number
    return stories, index_of
