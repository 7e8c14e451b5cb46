"""The result of grouping: the article table with stories, and the stories."""

from __future__ import annotations

from dataclasses import dataclass, field

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
