"""Shared fixtures: the seeds, a CLI runner and a private vector cache per test session."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

# Property tests: CI runs a quick, derandomized profile (the same examples every run);
# `make fuzz` runs the long one (HYPOTHESIS_PROFILE=fuzz).
settings.register_profile(
    "ci",
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the vector cache out of the user's home; shared by the whole session."""
    os.environ["SAMESTORY_CACHE_DIR"] = str(tmp_path_factory.mktemp("vector-cache"))
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def headless_chromium(loopback: bool = False) -> Iterator[object]:
    """Yield a headless Chromium; skip without one, except under CI (env ``CI``), where it fails.

    ``loopback`` lets its pages reach 127.0.0.1 (a server under test).
    """
    from devtools.browser import CHROMIUM, Chromium

    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: run 'make chromium' (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with Chromium(loopback=loopback) as chromium:
        yield chromium


@pytest.fixture
def runner() -> CliRunner:
    """A click runner; stderr is kept apart from stdout."""
    return CliRunner()


#: Where the evaluation data lives unless $SAMESTORY_DATA says otherwise (as in the notebook).
DEFAULT_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The evaluation data folder: $SAMESTORY_DATA, else ../shared/data next to the repository."""
    return Path(os.environ.get("SAMESTORY_DATA") or DEFAULT_DATA)


def _dev_file(data_dir: Path, name: str) -> Path:
    path = data_dir / name
    if not path.exists():
        pytest.skip(f"dev data not found at {path}")
    return path


@pytest.fixture(scope="session")
def og2021_file(data_dir: Path) -> Path:
    """The OG2021 dev articles (JSON lines with gold stories); skips where it is absent."""
    return _dev_file(data_dir, "og2021-dev.jsonl")


#: OG2021 dev articles published before this make its first two weeks: 474 titles in 3 of
#: the Dask engine's 7-day windows, for properties that hold on any input.
FORTNIGHT_END = "2021-07-15"


@pytest.fixture(scope="session")
def og2021_fortnight(og2021_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A JSONL file of the first two weeks of OG2021 dev (see :data:`FORTNIGHT_END`)."""
    lines = og2021_file.read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path_factory.mktemp("og2021") / "og2021-fortnight.jsonl"
    path.write_text(
        "".join(line for line in lines if json.loads(line)["published"] < FORTNIGHT_END),
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="session")
def semeval_file(data_dir: Path) -> Path:
    """The SemEval-2022 Task 8 dev pairs (CSV); skips where it is absent."""
    return _dev_file(data_dir, "semeval2022-pairs-dev.csv")


@pytest.fixture(scope="session")
def og2021(og2021_file: Path):
    """The OG2021 dev titles and their USE vectors (skips where the dev data is absent)."""
    from clustering import load_articles
    from embeddings import CachedEmbedder, get_embedder
    from embeddings.articles import embed_articles

    articles = load_articles([og2021_file]).articles
    embedder = CachedEmbedder(get_embedder("use"))
    return articles, embed_articles(articles, embedder), embedder


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Talk to 127.0.0.1 directly even where a proxy is configured: no traffic leaves the host."""
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")


@pytest.fixture(scope="module")
def feed_server() -> Iterator[str]:
    """The base URL of a feed server on 127.0.0.1 (``tests/feedserver.py``)."""
    from tests.feedserver import FeedHandler, serve

    yield from serve(FeedHandler)
