"""Evaluation: gold labels and clustering metrics (BCubed, pair counting, ARI, NMI)."""

from typing import TYPE_CHECKING

from clustering.lazy import lazy_exports

if TYPE_CHECKING:
    from clustering.evaluation.metrics import Scores, score
    from clustering.evaluation.scoring import attach_labels, evaluate_predictions, read_labels

__all__ = [
    "Scores",
    "attach_labels",
    "evaluate_predictions",
    "read_labels",
    "score",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "Scores": "clustering.evaluation.metrics",
        "score": "clustering.evaluation.metrics",
        "attach_labels": "clustering.evaluation.scoring",
        "evaluate_predictions": "clustering.evaluation.scoring",
        "read_labels": "clustering.evaluation.scoring",
    },
)
