"""Held-out measures of an encoder's vectors for "same story" (frozen and tuned alike).

Every function takes unit vectors and the gold labels of one fold's titles or pairs.
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist
from scipy.stats import pearsonr
from sklearn.metrics import precision_recall_curve, roc_auc_score

from clustering.evaluation.metrics import score

#: Average-link cosine thresholds tried on the training folds.
THRESHOLDS = np.round(np.arange(0.30, 0.951, 0.01), 2)


def _best_f1(same: np.ndarray, cosines: np.ndarray) -> float:
    precision, recall, _ = precision_recall_curve(same, cosines)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(f1.max())


def pair_separation(
    vectors: np.ndarray, stories: np.ndarray, days: np.ndarray, langs: np.ndarray
) -> dict[str, float]:
    """How cosine separates same-story pairs from others, and the language bias.

    Same-day pairs: ROC AUC and best-threshold pair F1 of cosine, overall and cross-lingual.
    The language-bias gap: mean cosine of one story in two languages (any day) minus that
    of two same-day stories in one language, and the AUC between those two sets.
    """
    i, j = np.triu_indices(len(vectors), k=1)
    cos = (vectors @ vectors.T)[i, j]
    same = stories[i] == stories[j]
    cross = langs[i] != langs[j]
    day = days[i] == days[j]
    out = {
        "auc": roc_auc_score(same[day], cos[day]),
        "pair_f1": _best_f1(same[day], cos[day]),
        "auc_cross": roc_auc_score(same[day & cross], cos[day & cross]),
        "pair_f1_cross": _best_f1(same[day & cross], cos[day & cross]),
    }
    one_event = cos[same & cross]
    two_events = cos[~same & ~cross & day]
    out["cos_one_event_two_langs"] = float(one_event.mean())
    out["cos_two_events_one_lang"] = float(two_events.mean())
    out["language_gap"] = out["cos_one_event_two_langs"] - out["cos_two_events_one_lang"]
    labels = np.r_[np.ones(len(one_event)), np.zeros(len(two_events))]
    out["auc_language"] = roc_auc_score(labels, np.r_[one_event, two_events])
    return {k: float(v) for k, v in out.items()}


def average_link(vectors: np.ndarray, threshold: float) -> np.ndarray:
    """Average-link clusters of the vectors, merged while the mean cosine is >= threshold."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=np.int64)
    tree = linkage(pdist(vectors, "cosine"), "average")
    return fcluster(tree, t=1 - threshold, criterion="distance")


def best_threshold(vectors: np.ndarray, stories: np.ndarray) -> float:
    """The average-link threshold with the best BCubed F1 on these (training) titles."""
    tree = linkage(pdist(vectors, "cosine"), "average")
    f1 = [
        score(fcluster(tree, t=1 - t, criterion="distance"), stories).bcubed_f1 for t in THRESHOLDS
    ]
    return float(THRESHOLDS[int(np.argmax(f1))])


def cross_recall(predicted: np.ndarray, stories: np.ndarray, langs: np.ndarray, lang: str) -> float:
    """The share of gold same-story pairs of ``lang`` and another language put together.

    NaN where there is no such pair.
    """
    mine, other = langs == lang, langs != lang
    gold = stories[mine][:, None] == stories[other][None, :]
    together = predicted[mine][:, None] == predicted[other][None, :]
    return float((gold & together).sum() / gold.sum()) if gold.any() else float("nan")


def clustering(
    vectors: np.ndarray, stories: np.ndarray, langs: np.ndarray, threshold: float
) -> dict[str, float]:
    """BCubed of average link at ``threshold`` and the Slovenian cross-lingual recall."""
    predicted = average_link(vectors, threshold)
    scores = score(predicted, stories)
    return {
        "threshold": threshold,
        "bcubed_p": scores.bcubed_precision,
        "bcubed_r": scores.bcubed_recall,
        "bcubed_f1": scores.bcubed_f1,
        "slv_cross_recall": cross_recall(predicted, stories, langs, "slv"),
    }


def semeval(cos: np.ndarray, overall: np.ndarray, cross: np.ndarray) -> dict[str, float]:
    """Pearson of the pairs' cosines against -Overall, overall and over cross-lingual pairs."""
    out = {"pearson": float(pearsonr(cos, -overall)[0])}
    enough = cross.sum() > 2
    out["pearson_cross"] = float(pearsonr(cos[cross], -overall[cross])[0]) if enough else np.nan
    return out


def probe_separation(vectors: np.ndarray, stories: np.ndarray, langs: np.ndarray) -> dict:
    """One event in two scripts against two events in one script.

    Mean cosines of each, the share of (cross-script same-event, same-script other-event)
    pairs ordered right, and the share of probes whose nearest other probe is its event.
    """
    sims = vectors @ vectors.T
    i, j = np.triu_indices(len(vectors), k=1)
    same, cross = stories[i] == stories[j], langs[i] != langs[j]
    one_event, two_events = sims[i, j][same & cross], sims[i, j][~same & ~cross]
    np.fill_diagonal(sims, -np.inf)
    return {
        "cos_one_event_two_scripts": float(one_event.mean()),
        "cos_two_events_one_script": float(two_events.mean()),
        "ordered_right": float((one_event[:, None] > two_events[None, :]).mean()),
        "nearest_same_event": float((stories[sims.argmax(axis=1)] == stories).mean()),
    }
