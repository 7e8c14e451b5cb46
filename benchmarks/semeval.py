"""How well `samestory compare` scores the SemEval-2022 Task 8 dev pairs.

Run from the repository root:

    python -m benchmarks.semeval [--data ../shared/data] [--model e5] [--cache]

The same as `samestory compare --pairs semeval2022-pairs-dev.csv --left text1 --right text2
--left-lang lang1 --right-lang lang2 --no-cache`: Pearson correlation of the similarity
with -Overall (1 = same story .. 4 = unrelated), over all pairs and over the
cross-lingual ones (lang1 != lang2), and the same for P(same story), the column that
`cluster`'s default model gives (``same_story_probability``). Time covers reading,
embedding and scoring, for each.
The data is read in place, never copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import pearsonr

from clustering.evidence.compare import COMPARE_MODEL, score_pairs
from clustering.output.pairs import read_pairs
from clustering.pipeline import pair_probabilities
from embeddings import DEFAULT_MODEL, make_embedder

#: The repository root: default paths are relative to it.
ROOT = Path(__file__).resolve().parent.parent

FILE = "semeval2022-pairs-dev.csv"


def run_semeval(
    data_dir: str | Path, model: str = COMPARE_MODEL, cache: bool = False
) -> dict[str, float | int]:
    """Pearson(similarity, -Overall) over all pairs and the cross-lingual ones, with counts.

    ``cache`` reuses vectors from the on-disk cache; the default embeds everything afresh,
    so ``seconds`` is the cold cost.
    """
    start = time.perf_counter()
    table = read_pairs(Path(data_dir) / FILE, "text1", "text2", "lang1", "lang2")
    scores = score_pairs(
        table.left,
        table.right,
        table.left_langs,
        table.right_langs,
        embedder=make_embedder(model, cache=cache),
    )
    seconds = time.perf_counter() - start
    begin = time.perf_counter()
    probability = pair_probabilities(table, make_embedder(DEFAULT_MODEL, cache=cache))
    probability_seconds = time.perf_counter() - begin
    gold = -np.array([float(str(row["Overall"])) for row in table.rows])
    cross = np.array([row["lang1"] != row["lang2"] for row in table.rows])
    scored = ~np.isnan(probability)
    return {
        "pairs": len(gold),
        "pearson": float(pearsonr(scores.similarity, gold)[0]),
        "cross_pairs": int(cross.sum()),
        "pearson_cross": float(pearsonr(scores.similarity[cross], gold[cross])[0]),
        "seconds": seconds,
        "probability_pairs": int(scored.sum()),
        "probability_pearson": float(pearsonr(probability[scored], gold[scored])[0]),
        "probability_pearson_cross": float(
            pearsonr(probability[scored & cross], gold[scored & cross])[0]
        ),
        "probability_seconds": probability_seconds,
    }


def main() -> None:
    """Print the scores as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--model", default=COMPARE_MODEL)
    parser.add_argument("--cache", action="store_true", help="Use the on-disk vector cache.")
    args = parser.parse_args()
    if not (args.data / FILE).exists():
        sys.exit(f"benchmark data not found: {args.data / FILE} (give --data)")
    print(json.dumps(run_semeval(args.data, args.model, args.cache), indent=2))


if __name__ == "__main__":
    main()
