"""Held-out judging (issue 23): each system on OG2021 dev story folds it did not train on.

Run from the repository root (the fold adapters first: ``python -m training.train_encoder
--folds 3 --adapters DIR``):

    python -m benchmarks.heldout [--data ../shared/data] --adapters DIR
        [--systems default,default-refit,e5,e5-story,story-cascade] [--batches 60] [--limit N]
        [--cache-dir DIR] [--out FILE.jsonl] [--only-folds 0,2] [--without F,G] [--json]

The folds are the encoder's (``training.encoder_data.read_titles``: 3 folds by story, seed
0, drawn over all of dev even with ``--limit``). For fold K each system is:

- ``default``: shipped USE cascade; its pair models were fitted on all of dev, so it is
  NOT held out (the reference the others are read against);
- ``default-refit``: the same cascade, its pair models (pair-use and pair-use+e5) refitted
  on the other folds' articles (:mod:`training.pair_folds`);
- ``e5``: frozen e5 for every title, a first-order pair model fitted on the other folds;
- ``e5-story``: fold K's adapter (``DIR/fold-K-of-3.npz``, trained without fold K) for
  every title, a first-order pair model fitted on the other folds with its vectors;
- ``story-cascade``: ``default-refit`` with fold K's tuned e5 as the cascade's second
  model (``--second-model e5-story``), its headline model refitted on the other folds;
- ``default-refit-all``, ``story-cascade-all``: the same with the second model's vector
  for every title, not only in batches of at most 300 (``--second-up-to``);
- ``e5-story-oof``, ``story-cascade-oof``: ``e5-story`` and ``story-cascade`` with their
  pair models fitted on out-of-fold tuned vectors: each training article's from an
  adapter trained on another training fold alone (``DIR/only-J-of-3.npz``, from
  ``train_encoder --folds 3 --only-fold J``), so the pair model learns what the tuned
  cosines of stories the adapter never saw look like, as fold K's are (only when named in
  ``--systems``: they need those adapters);
- ``e5-cosine``, ``e5-story-cosine``: ``--model e5`` and ``--model e5-story`` as they
  ship, on cosines with each model's own cut-off (no pair model ships for either).

Regimes, fold K's articles scored, the folds' counts summed (every article is scored in
exactly one fold):

- ``dev``: all of dev clustered at once (dev density); BCubed and pair counting over
  fold K's articles among all clustered ones, so a merge with another fold's article is a
  false merge; a pair with one scored article counts a half (a system that is the same
  in every fold then gets exactly its all-of-dev scores);
- ``alone``: only fold K's articles clustered (a third of the stories per day);
  ``drop`` is alone's BCubed F1 minus dev's;
- ``batches``: ``benchmarks.small_batches.draw_batches`` within fold K's articles
  (``--batches`` per fold), each batch clustered alone; pair counting over the batches;
- ``sl``: Slovenian (which USE lacks) in the dev clustering: pairs of a fold-K Slovenian
  article and an article in another language, recall of gold pairs, precision of
  predicted ones;
- ``four``: stories made of benchmarks.small_batches' four unrelated headlines (4 is right).

``--without against,uncovered`` is an ablation: every refitted pair model leaves out those
base features and every product that reads one (the shipped ``default`` is as it ships).

Each (system, fold) is appended to ``--out`` (JSON lines) as it finishes, and found there
again on a rerun with the same settings (``--only-folds``: run just those folds, say as
their adapters appear; a system is combined once all its folds are in); vectors are cached
in ``--cache-dir``. Not part of ``make bench`` (the fold adapters take 10 to 25 minutes):
``make bench-heldout`` trains them and runs this.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.heldout_scores import combine, group_counts, lang_counts, summary, table
from benchmarks.options import add_without, parse_without
from benchmarks.small_batches import FOUR_HEADLINES, PairCounts, draw_batches
from clustering import StoryClusterer, articles_from_records, load_articles
from clustering.evidence.cascade import SMALL_BATCH, Cascade, embed_heads
from clustering.evidence.model import (
    FEATURES,
    SECOND_FEATURES,
    features_without,
    shipped_pair_model,
)
from embeddings import CachedEmbedder, Embedder, default_cache_dir, get_embedder
from embeddings.articles import embed_articles
from embeddings.bundled import StoryE5Embedder, adapter_digest
from training.pair_folds import (
    FoldPairModels,
    article_folds,
    fit_without,
    fold_adapter,
    only_adapter,
    story_folds,
)

ROOT = Path(__file__).resolve().parent.parent
FILE = "og2021-dev.jsonl"
SYSTEMS = (
    "default",
    "default-refit",
    "e5",
    "e5-story",
    "story-cascade",
    "default-refit-all",
    "story-cascade-all",
    "e5-story-oof",
    "story-cascade-oof",
    "story-cascade-oof-all",
    "e5-cosine",
    "e5-story-cosine",
)
#: Whether each system's numbers are held out (default's pair models saw all of dev).
HELD_OUT = {
    "default": False,
    "default-refit": True,
    "e5": True,
    "e5-story": True,
    "story-cascade": True,
    "default-refit-all": True,
    "story-cascade-all": True,
    "e5-story-oof": True,
    "story-cascade-oof": True,
    "story-cascade-oof-all": True,
    "e5-cosine": True,
    "e5-story-cosine": True,
}
#: ``-all``: the cascade's second model for every title, whatever the batch's size.
EVERY_TITLE = 1_000_000
#: The systems whose e5 is a fold's adapter.
TUNED = tuple(s for s in SYSTEMS if "story" in s)


class FoldClusterer(StoryClusterer):
    """StoryClusterer with given pair models (a fold's), the cascade's second one included."""

    def __init__(
        self,
        embedder: Embedder | None = None,
        models: Cascade | None = None,
        second: Embedder | None = None,
        second_up_to: int = SMALL_BATCH,
    ) -> None:
        super().__init__(
            embedder=embedder,
            pair_model=None if models is None else models.base,
            second_model=None,
            second_up_to=second_up_to,
        )
        self.models = models
        self.second = second

    def cascade(self, embedder: Embedder) -> Cascade | None:
        """The given models, whatever the embedder."""
        return self.models

    def second_embedder(self, name: str) -> Embedder:
        """The given second model (a fold's tuned e5), else the one ``name`` names."""
        return self.second if self.second is not None else super().second_embedder(name)


def _digest(path: Path) -> str | None:
    """An adapter's digest; None while it is missing (``--only-folds`` runs the other folds)."""
    return adapter_digest(path) if path.exists() else None


# --- one system on one fold ------------------------------------------------------------


class Harness:
    """The data, the folds and the cached embedders, shared by every system and fold."""

    def __init__(
        self,
        data: Path,
        adapters: Path | None,
        cache_dir: Path,
        folds: int = 3,
        seed: int = 0,
        batches: int = 60,
        limit: int | None = None,
        left_out: frozenset[str] = frozenset(),
    ) -> None:
        self.data, self.adapters, self.cache_dir = data, adapters, cache_dir
        self.n_folds, self.seed, self.batches, self.limit = folds, seed, batches, limit
        self.left_out = left_out
        articles = load_articles([data / FILE]).articles
        self.articles = articles.iloc[:limit].reset_index(drop=True) if limit else articles
        self.folds = article_folds(self.articles, story_folds(data, folds, seed))
        self.gold = self.articles["story"].to_numpy(dtype=str)
        self.langs = self.articles["lang"].to_numpy(dtype=str)
        self._vectors: dict[str, np.ndarray] = {}

    def cached(self, embedder: Embedder) -> CachedEmbedder:
        """``embedder`` behind the vector cache in ``cache_dir``."""
        return CachedEmbedder(embedder, self.cache_dir)

    def embedder(self, system: str, fold: int) -> CachedEmbedder:
        """The first model of ``system`` for ``fold``."""
        system = system.removesuffix("-all").removesuffix("-oof").removesuffix("-cosine")
        if system in ("default", "default-refit", "story-cascade"):
            return self.cached(get_embedder("use"))
        if system == "e5":
            return self.cached(get_embedder("e5"))
        return self.fold_e5(fold)

    def fold_e5(self, fold: int) -> CachedEmbedder:
        """e5 with fold ``fold``'s adapter (trained without that fold)."""
        if self.adapters is None:
            raise SystemExit("e5-story needs --adapters (train_encoder --folds K --adapters DIR)")
        path = fold_adapter(self.adapters, fold, self.n_folds)
        if not path.exists():
            raise SystemExit(f"no fold adapter {path}")
        return self.cached(StoryE5Embedder(adapter=path))

    def out_of_fold(self, fold: int, heads: bool) -> np.ndarray:
        """Each article outside ``fold`` embedded by an adapter trained on another fold alone.

        Fold J's articles get the adapter of the next fold that is neither J nor ``fold``;
        ``fold``'s own rows are zeros (never read). ``heads``: the cascade's head vectors.
        """
        if self.adapters is None:
            raise SystemExit("-oof systems need --adapters with only-J-of-N.npz files")
        out: np.ndarray | None = None
        every = np.arange(len(self.articles))
        for own in sorted(set(range(self.n_folds)) - {fold}):
            other = next(
                k % self.n_folds
                for k in range(own + 1, own + self.n_folds)
                if k % self.n_folds != fold
            )
            path = only_adapter(self.adapters, other, self.n_folds)
            if not path.exists():
                raise SystemExit(f"no adapter {path} (train_encoder --only-fold {other})")
            embedder = self.cached(StoryE5Embedder(adapter=path))
            rows = np.flatnonzero(self.folds == own)
            found = embed_heads(self.articles, every, embedder) if heads else self.vectors(embedder)
            if out is None:
                out = np.zeros_like(found)
            out[rows] = found[rows]
        assert out is not None  # at least two folds
        return out

    def vectors(self, embedder: CachedEmbedder) -> np.ndarray:
        """Every article's vector (kept per model version)."""
        if embedder.version not in self._vectors:
            self._vectors[embedder.version] = embed_articles(self.articles, embedder)
        return self._vectors[embedder.version]

    def pair_models(self, system: str, fold: int, vectors: np.ndarray) -> FoldPairModels | None:
        """The pair models fitted without ``fold`` (None: ``default``, the shipped ones)."""
        system = system.removesuffix("-all")
        if system == "default" or system.endswith("-cosine"):
            return None
        if system == "e5-story-oof":
            oof = self.out_of_fold(fold, heads=False)
            return fit_without(
                self.articles, oof, "e5-story", self.folds, fold, left_out=self.left_out
            )
        if system == "story-cascade-oof":
            oof = self.out_of_fold(fold, heads=True)
            return fit_without(
                self.articles, vectors, "use", self.folds, fold, oof, "e5-story", self.left_out
            )
        heads, second = None, None
        if system in ("default-refit", "story-cascade"):
            second = "e5" if system == "default-refit" else "e5-story"
            e5 = self.cached(get_embedder("e5")) if second == "e5" else self.fold_e5(fold)
            heads = embed_heads(self.articles, np.arange(len(self.articles)), e5)
        model = "use" if second is not None else system
        return fit_without(
            self.articles, vectors, model, self.folds, fold, heads, second, self.left_out
        )

    def clusterer(
        self, system: str, embedder: CachedEmbedder, models: FoldPairModels | None
    ) -> StoryClusterer:
        """The clusterer of ``system`` with the fold's pair models."""
        up_to = EVERY_TITLE if system.endswith("-all") else SMALL_BATCH
        system = system.removesuffix("-all").removesuffix("-oof")
        if models is None:
            return StoryClusterer(embedder=embedder)
        # the raw embedder: the clusterer caches it where the first model's vectors are
        second = self.fold_e5(models.fold).embedder if system == "story-cascade" else None
        name = "use+e5-story-bodies" if second is not None else "use+e5-bodies"
        bodies = shipped_pair_model(name) if models.second is not None else None
        return FoldClusterer(embedder, Cascade(models.base, models.second, bodies), second, up_to)

    def signature(self, system: str, fold: int) -> str:
        """What a (system, fold) result depends on, as a short digest."""
        settings: dict[str, Any] = {
            "system": system,
            "fold": fold,
            "folds": self.n_folds,
            "seed": self.seed,
            "batches": self.batches,
            "limit": self.limit,
        }
        if system != "default":  # a refitted system: what its pair models read
            settings["features"] = [
                features_without(FEATURES, self.left_out),
                features_without(SECOND_FEATURES, self.left_out),
            ]
        if system in TUNED and self.adapters is not None:
            settings["adapter"] = _digest(fold_adapter(self.adapters, fold, self.n_folds))
        if "-oof" in system and self.adapters is not None:
            settings["only"] = [
                _digest(only_adapter(self.adapters, k, self.n_folds))
                for k in range(self.n_folds)
                if k != fold
            ]
        return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]

    def run_fold(self, system: str, fold: int) -> dict[str, Any]:
        """Every regime of ``system`` on ``fold``: the counts to add up over folds."""
        started = time.perf_counter()
        embedder = self.embedder(system, fold)
        vectors = self.vectors(embedder)
        models = self.pair_models(system, fold, vectors)
        clusterer = self.clusterer(system, embedder, models)
        held = self.folds == fold
        whole = clusterer.fit(self.articles, embeddings=vectors).labels_
        rows = np.flatnonzero(held)
        part = self.articles.iloc[rows].reset_index(drop=True)
        alone = clusterer.fit(part, embeddings=vectors[rows]).labels_
        counts = PairCounts()
        for batch in draw_batches(part, self.batches, self.seed):
            fitted = clusterer.fit(
                part.iloc[batch].reset_index(drop=True), embeddings=vectors[rows][batch]
            )
            counts.add(list(fitted.labels_), list(self.gold[rows][batch]))
        records = [
            {"id": str(i), "title": t, "published": "2021-07-01T12:00:00", "lang": "en"}
            for i, t in enumerate(FOUR_HEADLINES)
        ]
        four = clusterer.fit(articles_from_records(records).articles)
        trained = np.array([], dtype=np.int64) if models is None else models.rows
        return {
            "system": system,
            "fold": fold,
            "signature": self.signature(system, fold),
            "held_out": HELD_OUT[system],
            "version": embedder.version,
            "train_articles": len(trained),
            "train_stories_in_fold": int(np.isin(self.gold[trained], self.gold[held]).sum()),
            "scored_ids": self.articles["id"].to_numpy(dtype=str)[held].tolist(),
            "dev": group_counts(whole, self.gold, held),
            "alone": group_counts(alone, self.gold[held], np.ones(len(rows), dtype=bool)),
            "batches": asdict(counts),
            "sl": lang_counts(whole, self.gold, self.langs, held),
            "four": len(four.stories_),
            "seconds": time.perf_counter() - started,
        }


def run(
    harness: Harness, systems: list[str], out: Path | None, only: set[int] | None = None
) -> dict[str, dict[str, Any]]:
    """Every system on every fold (reusing the records in ``out``), combined per system.

    With ``only``, other folds are not run, and a system lacking one is left out.
    """
    done: dict[str, dict[str, Any]] = {}
    if out is not None and out.exists():
        for line in out.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                done[record["signature"]] = record
    results = {}
    for system in systems:
        records = []
        for fold in range(harness.n_folds):
            record = done.get(harness.signature(system, fold))
            if record is None and only is not None and fold not in only:
                continue
            if record is None:
                record = harness.run_fold(system, fold)
                if out is not None:
                    out.parent.mkdir(parents=True, exist_ok=True)
                    with out.open("a", encoding="utf-8") as handle:
                        handle.write(json.dumps(record) + "\n")
                print(
                    f"{system} fold {fold}: dev F1 {summary(record['dev'])['bcubed_f1']:.4f} "
                    f"({record['seconds']:.0f} s)",
                    file=sys.stderr,
                    flush=True,
                )
            records.append(record)
        if len(records) == harness.n_folds:
            results[system] = combine(records)
    return results


def main() -> None:
    """Run the systems on the folds and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--adapters", type=Path, default=None, help="fold-K-of-N.npz files")
    parser.add_argument(
        "--systems", default=",".join(s for s in SYSTEMS if "-oof" not in s), help="comma-separated"
    )
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0, help="the folds' seed (train_encoder's)")
    parser.add_argument("--batches", type=int, default=60, help="small batches per fold")
    parser.add_argument("--limit", type=int, default=None, help="first N articles (a quick run)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="vector cache")
    parser.add_argument("--out", type=Path, default=None, help="JSON lines, one per system/fold")
    parser.add_argument("--only-folds", default=None, help="comma-separated: run only these")
    add_without(parser)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = sorted(set(systems) - set(SYSTEMS))
    if unknown:
        sys.exit(f"unknown systems {unknown}: choose from {', '.join(SYSTEMS)}")
    if not (args.data / FILE).exists():
        sys.exit(f"benchmark data not found: {args.data / FILE} (give --data)")
    without = parse_without(args)
    cache_dir = args.cache_dir or default_cache_dir()
    harness = Harness(
        args.data,
        args.adapters,
        cache_dir,
        args.folds,
        args.seed,
        args.batches,
        args.limit,
        without,
    )
    started = time.perf_counter()
    only = None if args.only_folds is None else {int(k) for k in args.only_folds.split(",")}
    results = run(harness, systems, args.out, only)
    if args.json:
        print(json.dumps(results))
        return
    if without:
        print(f"The refitted pair models leave out {', '.join(sorted(without))}.")
    print(table(results))
    print(f"{time.perf_counter() - started:.0f} s, load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
