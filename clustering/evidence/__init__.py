"""Evidence: how likely two articles are to report the same story.

From their vectors, words, names across scripts, publication times and languages.
"""

from typing import TYPE_CHECKING

from clustering.lazy import lazy_exports

if TYPE_CHECKING:
    from clustering.evidence.calibrate import Calibration
    from clustering.evidence.cascade import SMALL_BATCH
    from clustering.evidence.compare import COMPARE_MODEL, Comparison, compare_articles, score_pairs
    from clustering.evidence.explain import PairExplanation
    from clustering.evidence.model import PairModel, read_pair_model, shipped_pair_model

__all__ = [
    "COMPARE_MODEL",
    "SMALL_BATCH",
    "Calibration",
    "Comparison",
    "PairExplanation",
    "PairModel",
    "compare_articles",
    "read_pair_model",
    "score_pairs",
    "shipped_pair_model",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "Calibration": "clustering.evidence.calibrate",
        "SMALL_BATCH": "clustering.evidence.cascade",
        "COMPARE_MODEL": "clustering.evidence.compare",
        "Comparison": "clustering.evidence.compare",
        "compare_articles": "clustering.evidence.compare",
        "score_pairs": "clustering.evidence.compare",
        "PairExplanation": "clustering.evidence.explain",
        "PairModel": "clustering.evidence.model",
        "read_pair_model": "clustering.evidence.model",
        "shipped_pair_model": "clustering.evidence.model",
    },
)
