"""The counts of :mod:`benchmarks.heldout` that add up over folds, and their table.

Each fold's counts are sums over its scored articles (BCubed) and pair counts where a pair
with one scored article counts a half, so the folds' counts add up to one clustering's
plain scores.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from benchmarks.small_batches import PairCounts

#: The language whose cross-lingual pairs are counted (USE lacks it).
LANG = "sl"


def _half_pairs(scored: np.ndarray, sizes: np.ndarray) -> float:
    """Pairs in groups of ``sizes`` with ``scored`` scored members, a scored end counting 1/2."""
    return float(np.sum(scored * (sizes - 1)) / 2)


def group_counts(predicted: np.ndarray, gold: np.ndarray, scored: np.ndarray) -> dict[str, float]:
    """BCubed sums over the ``scored`` articles and half-weighted pair counts (see above)."""
    frame = pd.DataFrame(
        {"p": np.asarray(predicted).astype(str), "g": np.asarray(gold).astype(str), "s": scored}
    )
    size_p = frame.groupby("p")["p"].transform("size").to_numpy()
    size_g = frame.groupby("g")["g"].transform("size").to_numpy()
    joint = frame.groupby(["p", "g"])["p"].transform("size").to_numpy()
    s = np.asarray(scored, dtype=bool)
    per = {}
    for name, keys in (("p", ["p"]), ("g", ["g"]), ("j", ["p", "g"])):
        grouped = frame.groupby(keys).agg(n=("s", "size"), m=("s", "sum"))
        per[name] = _half_pairs(grouped["m"].to_numpy(), grouped["n"].to_numpy())
    return {
        "articles": int(s.sum()),
        "precision_sum": float(np.sum(joint[s] / size_p[s])),
        "recall_sum": float(np.sum(joint[s] / size_g[s])),
        "predicted_pairs": per["p"],
        "gold_pairs": per["g"],
        "together": per["j"],
    }


def lang_counts(
    predicted: np.ndarray, gold: np.ndarray, langs: np.ndarray, scored: np.ndarray
) -> dict[str, int]:
    """Pairs of a scored ``LANG`` article and an article in another language: gold, found, both."""
    mine = np.flatnonzero(scored & (langs == LANG))
    other = langs != LANG
    same = gold[mine][:, None] == gold[other][None, :]
    together = predicted[mine][:, None] == predicted[other][None, :]
    return {
        "articles": len(mine),
        "gold_pairs": int(same.sum()),
        "predicted_pairs": int(together.sum()),
        "together": int((same & together).sum()),
    }


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def summary(counts: dict[str, float]) -> dict[str, float]:
    """BCubed P/R/F1 and pair P/R/F1 from summed :func:`group_counts`."""
    n = counts["articles"]
    p, r = counts["precision_sum"] / n, counts["recall_sum"] / n
    pp = counts["together"] / counts["predicted_pairs"] if counts["predicted_pairs"] else 1.0
    pr = counts["together"] / counts["gold_pairs"] if counts["gold_pairs"] else 1.0
    return {
        "bcubed_precision": p,
        "bcubed_recall": r,
        "bcubed_f1": _f1(p, r),
        "pair_precision": pp,
        "pair_recall": pr,
        "pair_f1": _f1(pp, pr),
        "articles": n,
    }


def _added(records: list[dict[str, Any]], key: str) -> dict[str, float]:
    total: dict[str, float] = {}
    for record in records:
        for name, value in record[key].items():
            total[name] = total.get(name, 0) + value
    return total


def combine(records: list[dict[str, Any]]) -> dict[str, Any]:
    """One system's fold records added up into its scores."""
    dev, alone = summary(_added(records, "dev")), summary(_added(records, "alone"))
    batches = PairCounts(**{k: int(v) for k, v in _added(records, "batches").items()})
    sl = _added(records, "sl")
    return {
        "system": records[0]["system"],
        "held_out": records[0]["held_out"],
        "folds": [r["fold"] for r in records],
        "dev": dev,
        "alone": alone,
        "drop": alone["bcubed_f1"] - dev["bcubed_f1"],
        "batches": batches.summary(),
        "sl": {
            "articles": int(sl["articles"]),
            "cross_recall": sl["together"] / sl["gold_pairs"] if sl["gold_pairs"] else float("nan"),
            "cross_precision": (
                sl["together"] / sl["predicted_pairs"] if sl["predicted_pairs"] else float("nan")
            ),
            "gold_pairs": int(sl["gold_pairs"]),
            "predicted_pairs": int(sl["predicted_pairs"]),
        },
        "four": [r["four"] for r in records],
        "dev_f1_per_fold": [summary(r["dev"])["bcubed_f1"] for r in records],
        "seconds": sum(r["seconds"] for r in records),
    }


def table(results: dict[str, dict[str, Any]]) -> str:
    """A Markdown table: one row per system, the regimes as columns."""
    lines = [
        "| system | held out | dev BCubed P | R | F1 | dev pair F1 | alone BCubed F1 | "
        "alone pair F1 | density drop | batches pair P | R | F1 | sl cross R | sl cross P | "
        "four headlines |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        d, a, b, s = r["dev"], r["alone"], r["batches"], r["sl"]
        lines.append(
            f"| {name} | {'yes' if r['held_out'] else 'NO'} | {d['bcubed_precision']:.3f} | "
            f"{d['bcubed_recall']:.3f} | {d['bcubed_f1']:.3f} | {d['pair_f1']:.3f} | "
            f"{a['bcubed_f1']:.3f} | {a['pair_f1']:.3f} | {r['drop']:+.3f} | "
            f"{b['pair_precision']:.3f} | {b['pair_recall']:.3f} | {b['pair_f1']:.3f} | "
            f"{s['cross_recall']:.3f} | {s['cross_precision']:.3f} | "
            f"{'/'.join(str(n) for n in r['four'])} |"
        )
    return "\n".join(lines)
