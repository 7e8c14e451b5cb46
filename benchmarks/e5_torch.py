"""e5 on torch (bf16, fp32) against the numpy engine: texts per second, agreement, end to end.

Run from the repository root:

    python -m benchmarks.e5_torch [--data ../shared/data] [--titles 600] [--semeval 100]
                                  [--long 40] [--avx2] [--cluster] [--json]

Embeds the first ``--titles`` OG2021 dev titles, the first ``--semeval`` SemEval-2022 dev
texts whole (about 1,000 characters), and ``--long`` articles of 4,000 characters joined
from them (as ``long_articles`` joins them) with each engine (numpy, torch-fp32,
torch-bf16), after one warm-up call, no cache, in one process, engines taking turns per kind.
Reports texts per second and the smallest and mean cosine between each torch engine's
vectors and the numpy engine's. ``--avx2`` also runs torch-fp32 in a process where oneDNN
and ATen are held to AVX2 (``ONEDNN_MAX_CPU_ISA``, ``ATEN_CPU_CAPABILITY``): a CPU without
AVX-512 or bf16. ``--cluster`` times the default ``cluster`` of og2021-dev.jsonl end to end
(no cache) under ``/usr/bin/time -v`` with the numpy engine and with the engine chosen for
this CPU: seconds, titles per second, peak memory. The data is read in place.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.long_articles import FILE, long_texts
from benchmarks.options import ROOT, data_json
from clustering.output.pairs import read_pairs
from embeddings.bundled import E5Embedder

ENGINES = ("numpy", "torch-fp32", "torch-bf16")
KINDS = ("titles", "semeval", "long")
#: What holds the engines to AVX2: oneDNN, MKL, ATen and OpenBLAS kernels.
AVX2 = {
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",
    "ATEN_CPU_CAPABILITY": "avx2",
    "OPENBLAS_CORETYPE": "Haswell",
}


def texts(data: Path, titles: int, semeval: int, long: int) -> dict[str, list[str]]:
    """OG2021 dev titles, whole SemEval dev texts, and long articles of 4,000 characters."""
    with (data / "og2021-dev.jsonl").open(encoding="utf-8") as file:
        title_list = [json.loads(line)["title"] for line in itertools.islice(file, titles)]
    pairs = read_pairs(data / FILE, "text1", "text2")
    whole = list(dict.fromkeys([*pairs.left, *pairs.right]))[:semeval]
    return {
        "titles": title_list,
        "semeval": whole,
        "long": [text for text, _ in long_texts(data, long)],
    }


def run_engines(
    data: str | Path,
    sizes: tuple[int, int, int] = (600, 100, 40),
    engines: tuple[str, ...] = ENGINES,
) -> dict[str, Any]:
    """Texts per second of each engine and each torch engine's cosines to numpy, per kind."""
    embedders = {name: E5Embedder(name) for name in engines}
    result: dict[str, Any] = {"names": {k: e.version for k, e in embedders.items()}}
    for kind, batch in texts(Path(data), *sizes).items():
        result[f"{kind}_texts"] = len(batch)
        for embedder in embedders.values():  # all warm before any is timed
            embedder.encode(batch[:8])
        vectors = {}
        for name, embedder in embedders.items():
            start = time.perf_counter()
            vectors[name] = embedder.encode(batch)
            result[f"{kind}_{name}_per_s"] = len(batch) / (time.perf_counter() - start)
        for name in engines:
            if name != "numpy" and "numpy" in vectors:
                cosines = (vectors[name] * vectors["numpy"]).sum(axis=1)
                result[f"{kind}_{name}_cosine_min"] = float(cosines.min())
                result[f"{kind}_{name}_cosine_mean"] = float(cosines.mean())
    return result


def run_avx2(data: Path, sizes: tuple[int, int, int]) -> dict[str, Any]:
    """The numpy engine and torch-fp32 held to AVX2, in a process of its own."""
    command = [sys.executable, "-m", "benchmarks.e5_torch", "--data", str(data)]
    command += [f"--{kind}={size}" for kind, size in zip(KINDS, sizes, strict=True)]
    command += ["--engines", "numpy,torch-fp32", "--json"]
    env = {**os.environ, **AVX2}
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env, cwd=ROOT)
    return json.loads(output.stdout.splitlines()[-1])


def run_cluster(data: Path, engine: str) -> dict[str, float]:
    """The default ``cluster`` of og2021-dev.jsonl, no cache: seconds, titles/s, peak MB."""
    path = data / "og2021-dev.jsonl"
    command = ["/usr/bin/time", "-v", sys.executable, "-m", "clustering.cli", "cluster"]
    command += [str(path), "--no-cache", "--format", "jsonl"]
    env = {**os.environ, "SAMESTORY_E5_ENGINE": engine}
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env, cwd=ROOT)
    seconds = time.perf_counter() - start
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    titles = sum(1 for line in path.open(encoding="utf-8") if line.strip())
    return {
        "seconds": seconds,
        "titles_per_s": titles / seconds,
        "peak_mb": int(peak.group(1)) / 1024 if peak else float("nan"),
    }


def main() -> None:
    """Print each engine's speed and agreement (and the end-to-end runs if asked)."""
    parser = data_json(__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=600)
    parser.add_argument("--semeval", type=int, default=100)
    parser.add_argument("--long", type=int, default=40)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--avx2", action="store_true", help="Also torch-fp32 held to AVX2.")
    parser.add_argument("--cluster", action="store_true", help="Also `cluster` end to end.")
    args = parser.parse_args()
    sizes = (args.titles, args.semeval, args.long)
    result = run_engines(args.data, sizes, tuple(args.engines.split(",")))
    if args.avx2:
        result["avx2"] = run_avx2(args.data, sizes)
    if args.cluster:
        result["cluster"] = {e: run_cluster(args.data, e) for e in ("numpy", "auto")}
    if args.json:
        print(json.dumps(result))
        return
    for line in lines(result):
        print(line)


def lines(result: dict[str, Any]) -> list[str]:
    """The results as a Markdown table, and the end-to-end runs."""
    out = [
        "| engine | titles/s | SemEval texts/s | 4,000-char articles/s "
        "| cosine to numpy, min / mean: titles | SemEval texts | 4,000-char articles |",
        "|---|---|---|---|---|---|---|",
    ]
    runs = [(name, name, result) for name in result["names"]]
    if "avx2" in result:
        runs.append(("torch-fp32 held to AVX2", "torch-fp32", result["avx2"]))
    for label, engine, run in runs:
        cells = [label] + [f"{run[f'{kind}_{engine}_per_s']:.1f}" for kind in KINDS]
        for kind in KINDS:
            low, mean = (
                run.get(f"{kind}_{engine}_cosine_min"),
                run.get(f"{kind}_{engine}_cosine_mean"),
            )
            cells.append("—" if low is None else f"{low:.6f} / {mean:.6f}")
        out.append("| " + " | ".join(cells) + " |")
    for engine, run in result.get("cluster", {}).items():
        out.append(
            f"cluster og2021-dev.jsonl, e5 engine {engine}: {run['seconds']:.1f} s, "
            f"{run['titles_per_s']:.1f} titles/s, peak {run['peak_mb']:.0f} MB"
        )
    return out


if __name__ == "__main__":
    main()
