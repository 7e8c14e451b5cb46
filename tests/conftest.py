"""Shared fixtures: the seeds, a CLI runner and a private vector cache per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the vector cache out of the user's home; shared by the whole session."""
    os.environ["SAMESTORY_CACHE_DIR"] = str(tmp_path_factory.mktemp("vector-cache"))
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


@pytest.fixture
def runner() -> CliRunner:
    """A click runner; stderr is kept apart from stdout."""
    return CliRunner()


OG2021 = ROOT.parent / "shared" / "data" / "og2021-dev.jsonl"


@pytest.fixture(scope="session")
def og2021():
    """The OG2021 dev titles and their USE vectors (skips where the dev data is absent)."""
    if not OG2021.exists():
        pytest.skip(f"dev data not found at {OG2021}")
    from clustering import load_articles
    from embeddings import CachedEmbedder, get_embedder
    from embeddings.articles import embed_articles

    articles = load_articles([OG2021]).articles
    embedder = CachedEmbedder(get_embedder("use"))
    return articles, embed_articles(articles, embedder), embedder
