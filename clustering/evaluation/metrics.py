"""Clustering quality against gold stories: BCubed, pair counting, ARI and NMI."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


@dataclass(frozen=True)
class Scores:
    """Quality of a predicted grouping; every value is in [0, 1] (ARI may be negative)."""

    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    pair_precision: float
    pair_recall: float
    pair_f1: float
    ari: float
    nmi: float
    articles: int
    predicted_stories: int
    gold_stories: int

    def as_dict(self) -> dict[str, float]:
        """The scores as a plain dict."""
        return asdict(self)


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


def score(predicted: Sequence[object], gold: Sequence[object]) -> Scores:
    """Compare two labelings of the same articles (labels are any hashable values).

    BCubed (Amigó et al. 2009) averages, over articles, the share of an article's predicted
    story that is in its gold story (precision) and the share of its gold story that is in
    its predicted story (recall). Pair counting does the same over pairs of articles; a
    grouping with no pairs has pair precision 1.
    """
    if len(predicted) != len(gold):
        raise ValueError(f"{len(predicted)} predicted labels for {len(gold)} gold labels")
    n = len(gold)
    if n == 0:
        raise ValueError("no articles to score")
    predicted = [str(p) for p in predicted]
    gold = [str(g) for g in gold]
    joint = Counter(zip(predicted, gold, strict=True))
    predicted_size = Counter(predicted)
    gold_size = Counter(gold)
    precision = sum(c * c / predicted_size[p] for (p, _), c in joint.items()) / n
    recall = sum(c * c / gold_size[g] for (_, g), c in joint.items()) / n
    together = sum(_pairs(c) for c in joint.values())
    predicted_pairs = sum(_pairs(c) for c in predicted_size.values())
    gold_pairs = sum(_pairs(c) for c in gold_size.values())
    pair_precision = together / predicted_pairs if predicted_pairs else 1.0
    pair_recall = together / gold_pairs if gold_pairs else 1.0
    return Scores(
        bcubed_precision=precision,
        bcubed_recall=recall,
        bcubed_f1=_f1(precision, recall),
        pair_precision=pair_precision,
        pair_recall=pair_recall,
        pair_f1=_f1(pair_precision, pair_recall),
        ari=float(adjusted_rand_score(gold, predicted)),
        nmi=float(normalized_mutual_info_score(gold, predicted)),
        articles=n,
        predicted_stories=len(predicted_size),
        gold_stories=len(gold_size),
    )
