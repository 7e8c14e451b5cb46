"""Retrain every shipped pair model with its training script and compare with the shipped file.

Run from the repository root:

    python -m benchmarks.reproduce_models [--data ../shared/data] [--json]

(``make bench`` runs it in a process of its own and puts the table in benchmarks/RESULTS.md.)

Each model in ``clustering/models/pair-*.json`` is fitted again as ``make train-pair-model``
fits it (``training/train_pair_model.py``, on the dev data only) and compared with the
shipped file: the same features, and weights, intercept and means within the fitting's
tolerance (:data:`COEF_TOLERANCE`, :data:`MEAN_TOLERANCE`). Not byte for byte: vectors
move in their last float32 digits between library versions, and the solver's stopping
point follows them. ``tests/test_calibrate.py`` keeps the quick part of this property:
the script, on a slice of OG2021 dev, is deterministic and gives a model of the shipped
form. The data is read from --data and never copied into the repository.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.options import data_json
from clustering.evidence.model import PairModel, shipped_pair_model
from training.train_pair_model import train, train_bodies

#: The shipped pair models: (file name after ``pair-``, first model, second model, bodies).
MODELS = [
    ("use", "use", None, False),
    ("use+e5", "use", "e5", False),
    ("use+e5-bodies", "use", "e5", True),
    ("use+e5-story", "use", "e5-story", False),
    ("use+e5-story-bodies", "use", "e5-story", True),
]
#: How far a retrained weight or intercept may be from the shipped one.
COEF_TOLERANCE = 1e-3
#: How far a retrained mean (an average of vectors) may be from the shipped one.
MEAN_TOLERANCE = 2e-7


def _largest(a: np.ndarray | None, b: np.ndarray | None) -> float:
    """The largest absolute difference of two arrays (0 when both are None)."""
    if a is None or b is None:
        return 0.0 if a is None and b is None else float("inf")
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def compare(trained: PairModel, shipped: PairModel) -> dict[str, object]:
    """How far ``trained`` is from ``shipped``, and whether within the tolerances."""
    same_form = trained.features == shipped.features and trained.second == shipped.second
    coef = _largest(trained.coef, shipped.coef) if same_form else float("inf")
    intercept = abs(trained.intercept - shipped.intercept)
    mean = max(
        _largest(trained.mean, shipped.mean), _largest(trained.second_mean, shipped.second_mean)
    )
    return {
        "same_features": same_form,
        "coef_diff": coef,
        "intercept_diff": intercept,
        "mean_diff": mean,
        "reproduced": same_form
        and coef <= COEF_TOLERANCE
        and intercept <= COEF_TOLERANCE
        and mean <= MEAN_TOLERANCE,
    }


def run_reproduce(data: Path) -> list[dict[str, object]]:
    """Retrain each shipped pair model; one result per model."""
    results = []
    for name, model, second, bodies in MODELS:
        shipped = shipped_pair_model(name)
        if shipped is None:
            continue
        start = time.perf_counter()
        if bodies and second is not None:
            trained = train_bodies(data, model, second)
        else:
            trained = train(data, model, second)
        seconds = time.perf_counter() - start
        results.append({"model": name, "seconds": seconds, **compare(trained, shipped)})
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    return results


def lines(results: list[dict[str, object]]) -> list[str]:
    """The Markdown section of ``make bench``."""
    return [
        "## The shipped pair models, retrained (`benchmarks/reproduce_models.py`)",
        "",
        "Each `clustering/models/pair-*.json` fitted again by `training/train_pair_model.py`",
        f"on the dev data; reproduced: the same features, weights and intercept within "
        f"{COEF_TOLERANCE:g}, means within {MEAN_TOLERANCE:g}.",
        "",
        "| model | same features | largest weight difference | intercept difference "
        "| largest mean difference | reproduced | seconds |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| pair-{r['model']}.json | {'yes' if r['same_features'] else 'NO'} "
            f"| {r['coef_diff']:.2g} | {r['intercept_diff']:.2g} | {r['mean_diff']:.2g} "
            f"| {'yes' if r['reproduced'] else 'NO'} | {r['seconds']:.0f} |"
            for r in results
        ),
        "",
    ]


def main() -> None:
    """Retrain, then print the table (or JSON)."""
    args = data_json(__doc__.splitlines()[0]).parse_args()
    if not (args.data / "og2021-dev.jsonl").exists():
        sys.exit(f"dev data not found in {args.data} (give --data)")
    results = run_reproduce(args.data)
    print(json.dumps(results) if args.json else "\n".join(lines(results)))


if __name__ == "__main__":
    main()
