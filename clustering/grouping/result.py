"""The result of grouping: the article table with stories, and the stories."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from clustering.errors import InputError
from clustering.grouping.stories import Story


@dataclass
class ClusterResult:
    """Stories found in some input.

    ``articles`` is the article table with ``story`` and ``outlier`` columns; ``skipped``
    lists the inputs left out under ``skip_bad``; ``embeddings`` are the article vectors in
    the order of ``articles``, when known (the report draws its map from them).
    """

    articles: pd.DataFrame
    stories: list[Story]
    skipped: list[InputError] = field(default_factory=list)
    embeddings: np.ndarray | None = None

    @property
    def outliers(self) -> int:
        """Number of outlier stories."""
        return sum(story.outlier for story in self.stories)

    def result(self) -> ClusterResult:
        """Itself: a result is the simplest thing that has stories."""
        return self


class HasStories(Protocol):
    """Anything that has stories: a result, a fitted clusterer, a story store.

    Output code (tables, the report, the formats, figures) takes any of these.
    """

    def result(self) -> ClusterResult:
        """The stories and their articles, as a :class:`ClusterResult`."""
        ...


def result_of(source: HasStories) -> ClusterResult:
    """The :class:`ClusterResult` of anything that has stories (see :class:`HasStories`)."""
    result = getattr(source, "result", None)
    if not callable(result):
        raise TypeError(
            "expected something with stories (a ClusterResult, a fitted clusterer or a "
            f"StoryStore: anything with result()), got {type(source).__name__}"
        )
    found: ClusterResult = result()
    return found
