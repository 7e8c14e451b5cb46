"""Benchmark the story store: adding one article to a store of 100,000 (embedding excluded).

Run from the repository root:

    python -m benchmarks.store_bench [--data ../shared/data] [--size 100000] [--adds 200]

The store is pre-filled with synthetic articles derived from the OG2021 dev titles: each
copies a random dev title with a random word appended, its USE vector plus Gaussian noise
(sigma 0.02 per dimension, renormalised), and its publication time shifted by up to
±12 hours, so the store spans the same 45 days as the dev set (about 14,000 articles in
any ±3-day window). Each synthetic article keeps its dev story. Rows are written in bulk,
then ``--adds`` single articles (perturbed dev titles again) are added one at a time
through ``StoryStore.add`` with vectors computed beforehand, so the timing covers
everything but embedding: duplicate checks, candidate search, evidence, HDBSCAN, the
transaction. A store fed by ``add`` keeps the second model's (e5) head vectors of its
articles; so the prefilled one gets them too (each synthetic article: its dev title's e5
vector plus the same kind of noise), and the new articles' are written beforehand, as
their USE vectors are. The first add, which loads the vectors into memory, is reported
apart.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.options import data_json, run_json
from clustering import load_articles
from clustering.evidence.cascade import embed_heads, head_text
from clustering.grouping.clusterer import SECOND_MODEL
from clustering.store.store import StoryStore, article_digest
from embeddings import CachedEmbedder, Embedder, EmbedderBase, get_embedder
from embeddings.articles import embed_articles

#: The repository root: default paths are relative to it.
ROOT = Path(__file__).resolve().parent.parent

WORDS = ("live", "update", "report", "video", "analysis", "breaking", "photos", "latest")


class KnownVectors(EmbedderBase):
    """An embedder that returns vectors computed beforehand (embedding is not timed).

    It stands in for ``model``, which picks the pair model and cut-off.
    """

    def __init__(self, model: Embedder, vectors: dict[str, np.ndarray]) -> None:
        self.model = model.model
        self.version = model.version
        self.max_distance = model.max_distance
        self.vectors = vectors

    def encode(self, texts: list[str]) -> np.ndarray:
        """The stored vector of each text."""
        return np.stack([self.vectors[text] for text in texts])


def _noisy(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``vectors`` plus Gaussian noise (sigma 0.02 per dimension), renormalised."""
    noisy = vectors + rng.normal(0, 0.02, vectors.shape).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return noisy.astype(np.float32)


def synthetic(
    articles: pd.DataFrame,
    vectors: np.ndarray,
    heads: np.ndarray,
    size: int,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """``size`` perturbed copies of the dev articles, their USE and their e5 head vectors."""
    base = rng.integers(0, len(articles), size)
    words = rng.choice(WORDS, size)
    table = articles.iloc[base].reset_index(drop=True).copy()
    table["id"] = [f"syn{i}" for i in range(size)]
    table["title"] = [
        f"{t} {w} {i}" for i, (t, w) in enumerate(zip(table["title"], words, strict=True))
    ]
    shift = pd.to_timedelta(rng.uniform(-12, 12, size), unit="h")
    table["published"] = pd.to_datetime(table["published"]) + shift
    return table, _noisy(vectors[base], rng), _noisy(heads[base], rng)


def write_heads(path: Path, table: pd.DataFrame, heads: np.ndarray) -> None:
    """Keep the e5 head vectors of ``table`` in the store, as ``add`` keeps them."""
    connection = sqlite3.connect(path)
    with connection:
        texts = [head_text(t, x) for t, x in zip(table["title"], table["text"], strict=True)]
        CachedEmbedder(get_embedder(SECOND_MODEL), connection=connection).put(texts, heads)
    connection.close()


def prefill(
    path: Path, model: Embedder, table: pd.DataFrame, vectors: np.ndarray, heads: np.ndarray
) -> None:
    """Write the synthetic articles straight into a new store, one story per dev story."""
    StoryStore(path, KnownVectors(model, {})).close()
    stories = {story: f"st{n + 1:06d}" for n, story in enumerate(sorted(set(table["story"])))}
    connection = sqlite3.connect(path)
    hours = (pd.to_datetime(table["published"]) - pd.Timestamp("1970-01-01")) / pd.Timedelta(
        hours=1
    )
    with connection:
        connection.executemany(
            "INSERT INTO stories (id, created) VALUES (?, 'bench')",
            [(s,) for s in stories.values()],
        )
        connection.execute("INSERT INTO meta VALUES ('next_story', ?)", (str(len(stories) + 1),))
        connection.executemany(
            "INSERT INTO articles (id, digest, title, text, published, hours, lang, first_seen, "
            "story, vector) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    row.id,
                    article_digest(row.title, row.text),
                    row.title,
                    row.text,
                    pd.Timestamp(row.published).isoformat(),
                    float(h),
                    row.lang,
                    "bench",
                    stories[row.story],
                    v.tobytes(),
                )
                for row, h, v in zip(table.itertuples(), hours, vectors, strict=True)
            ],
        )
    connection.close()
    write_heads(path, table, heads)


def run_store_bench(data: Path, size: int = 100_000, adds: int = 200) -> dict[str, float]:
    """Fill a store of ``size`` synthetic articles and time ``adds`` single adds (ms)."""
    articles = load_articles([data / "og2021-dev.jsonl"]).articles
    embedder = CachedEmbedder(get_embedder("use"))
    dev_vectors = embed_articles(articles, embedder)
    rows = np.arange(len(articles))
    dev_heads = embed_heads(articles, rows, CachedEmbedder(get_embedder(SECOND_MODEL)))
    rng = np.random.default_rng(0)
    table, vectors, heads = synthetic(articles, dev_vectors, dev_heads, size, rng)
    queries, query_vectors, query_heads = synthetic(articles, dev_vectors, dev_heads, adds + 1, rng)
    queries["id"] = [f"new{i}" for i in range(len(queries))]
    known = dict(zip(queries["title"], query_vectors, strict=True))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        start = time.perf_counter()
        prefill(path, embedder, table, vectors, heads)
        fill = time.perf_counter() - start
        write_heads(path, queries, query_heads)
        with StoryStore(path, KnownVectors(embedder, known)) as store:
            timings = []
            for row in range(len(queries)):
                start = time.perf_counter()
                store.add(queries.iloc[[row]])
                timings.append(time.perf_counter() - start)
        size_mb = path.stat().st_size / 2**20
    rest = np.array(timings[1:]) * 1000
    return {
        "size": size,
        "adds": len(rest),
        "store_mb": size_mb,
        "fill_s": fill,
        "first_ms": timings[0] * 1000,
        "p50_ms": float(np.percentile(rest, 50)),
        "p95_ms": float(np.percentile(rest, 95)),
        "max_ms": float(rest.max()),
    }


def store_lines(data: Path) -> list[str]:
    """The story-store section: one article added to a store of 100,000.

    It runs in a process of its own, as a store does: in this one, the OpenMP threads e5
    left spinning and the memory of the earlier runs would slow it down.
    """
    r = run_json("store_bench", "--data", str(data))
    assert isinstance(r, dict)
    print(json.dumps(r), flush=True)
    return [
        "## Story store: adding one article to a store of 100,000 (embedding excluded)",
        "",
        "`benchmarks/store_bench.py`: 100,000 synthetic articles derived from the OG2021 dev",
        "titles (perturbed titles, USE vectors plus noise, times within ±12 h of the",
        "originals, so about 14,000 fall in any ±3-day window), then single `StoryStore.add`",
        "calls with precomputed vectors: duplicate checks, candidate search, evidence,",
        "HDBSCAN and the transaction. It runs in a fresh process of its own.",
        "",
        "| store | file | first add (loads vectors) | adds | p50 | p95 | max |",
        "|---|---|---|---|---|---|---|",
        f"| {r['size']:,} | {r['store_mb']:.0f} MB | {r['first_ms']:.0f} ms | {r['adds']} "
        f"| {r['p50_ms']:.1f} ms | {r['p95_ms']:.1f} ms | {r['max_ms']:.1f} ms |",
        "",
    ]


def main() -> None:
    """Fill a store, time single adds, print the summary."""
    parser = data_json(__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--adds", type=int, default=200)
    args = parser.parse_args()
    r = run_store_bench(args.data, args.size, args.adds)
    if args.json:
        print(json.dumps(r))
        return
    print(f"store: {r['size']} articles, {r['store_mb']:.0f} MB, filled in {r['fill_s']:.1f} s")
    print(f"first add (loads vectors): {r['first_ms']:.0f} ms")
    print(
        f"single adds: n={r['adds']} p50={r['p50_ms']:.1f} ms p95={r['p95_ms']:.1f} ms "
        f"max={r['max_ms']:.1f} ms"
    )


if __name__ == "__main__":
    main()
