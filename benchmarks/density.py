"""Density: quality when more news shares the same days, on OG2021 dev.

Run from the repository root:

    python -m benchmarks.density [--data ../shared/data] [--model use] [--json]
        [--min-probability P] [--window-hours H]

Splits the OG2021 dev stories into two halves (by CRC-32 of the story id, so the split is
fixed), clusters each half alone and all of dev together with default settings, or the
given `--min-probability` and `--window-hours` (cached vectors), and reports BCubed F1 of
each. The drop is the mean of the halves minus all of
dev: all of dev has twice the stories per day of either half. The data is read in place,
never copied into the repository.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.options import data_model_json
from clustering import StoryClusterer, load_articles
from clustering.evaluation.metrics import score
from embeddings import DEFAULT_MODEL, make_embedder
from embeddings.articles import embed_articles

FILE = "og2021-dev.jsonl"


def run_density(
    data_dir: str | Path, model: str = DEFAULT_MODEL, **settings: float
) -> dict[str, Any]:
    """BCubed F1 of each half of the stories alone and of all of dev, and the drop.

    ``settings`` are :class:`StoryClusterer` settings (``min_probability``, ...).
    """
    articles = load_articles([Path(data_dir) / FILE]).articles
    embedder = make_embedder(model, cache=True)
    vectors = embed_articles(articles, embedder)
    gold = articles["story"].to_numpy(dtype=str)
    half = np.array([zlib.crc32(story.encode("utf-8")) % 2 for story in gold])
    result: dict[str, Any] = {"model": model, **settings}
    for name, mask in (
        ("half_0", half == 0),
        ("half_1", half == 1),
        ("all", np.ones(len(gold), dtype=bool)),
    ):
        part = articles[mask].reset_index(drop=True)
        fitted = StoryClusterer(embedder=embedder, **settings).fit(part, embeddings=vectors[mask])
        found = score(list(fitted.labels_), list(gold[mask]))
        result[name] = {"articles": int(mask.sum()), "bcubed_f1": found.bcubed_f1}
    halves = (result["half_0"]["bcubed_f1"] + result["half_1"]["bcubed_f1"]) / 2
    result["drop"] = halves - result["all"]["bcubed_f1"]
    return result


def main() -> None:
    """Print the three scores and the drop."""
    parser = data_model_json(__doc__.splitlines()[0])
    parser.add_argument("--min-probability", type=float, help="P(same story) to link a pair")
    parser.add_argument("--window-hours", type=float, help="longest time apart in a story")
    args = parser.parse_args()
    given = {"min_probability": args.min_probability, "window_hours": args.window_hours}
    settings = {name: value for name, value in given.items() if value is not None}
    result = run_density(args.data, args.model, **settings)
    if args.json:
        print(json.dumps(result))
        return
    for name in ("half_0", "half_1", "all"):
        r = result[name]
        print(f"{name:<7} {r['articles']:5d} articles  BCubed F1 {r['bcubed_f1']:.4f}")
    print(f"drop (mean of halves − all) {result['drop']:+.4f}")


if __name__ == "__main__":
    main()
