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


def _timestamp(value: object) -> pd.Timestamp | None:
    return None if pd.isna(value) else pd.Timestamp(value)


def build_stories(
    groups: np.ndarray, outlier: np.ndarray, articles: pd.DataFrame, similarity: np.ndarray
) -> tuple[list[Story], np.ndarray]:
    """Stories from per-article group numbers, ordered and named ``S1``, ``S2`` and so on.

    Order: larger stories first, then the earlier first publication, then the smallest
    member id. Returns the stories and each article's index into them.
    """
    ids = articles["id"].to_numpy(dtype=object)
    published = articles["published"]
    drafts = []
    for group in np.unique(groups):
        indices = np.flatnonzero(groups == group)
        indices = indices[np.argsort(ids[indices].astype(str), kind="stable")]
        times = published.iloc[indices].dropna()
        first = times.min() if len(times) else None
        drafts.append((indices, first, times.max() if len(times) else None))
    drafts.sort(
        key=lambda d: (-len(d[0]), d[1] is None, d[1] or pd.Timestamp.min, str(ids[d[0][0]]))
    )
    stories: list[Story] = []
    index_of = np.empty(len(ids), dtype=np.int64)
    for number, (indices, first, last) in enumerate(drafts):
        centre = _representative(indices, similarity, ids)
        langs = {str(lang) for lang in articles["lang"].iloc[indices] if isinstance(lang, str)}
        stories.append(
            Story(
                id=f"S{number + 1}",
                members=tuple(str(ids[i]) for i in indices),
                outlier=bool(len(indices) == 1 and outlier[indices[0]]),
                representative=str(ids[centre]),
                title=str(articles["title"].iloc[centre]),
                languages=tuple(sorted(langs)),
                first_published=_timestamp(first),
                last_published=_timestamp(last),
            )
        )
        index_of[indices] = number
    return stories, index_of
