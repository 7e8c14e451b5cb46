"""Deterministic stand-ins for tests: an embedder that places texts by their first word."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from clustering import StoryClusterer, articles_from_records
from clustering.store.assign import Assigner
from embeddings import EmbedderBase


class AngleEmbedder(EmbedderBase):
    """Embeds a text whose first word is ``aNN`` at NN degrees in one plane, others apart.

    Texts starting with the same ``aNN`` land on the same point; any other first word gets
    its own direction, so it is unrelated to everything else.
    """

    model = "angle-fake"
    version = "angle-fake@1"

    def encode(self, texts):
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            word = text.split()[0] if text.split() else ""
            if word.startswith("a") and word[1:].isdigit():
                angle = np.deg2rad(int(word[1:]))
                out[row, 0], out[row, 1] = np.cos(angle), np.sin(angle)
            else:
                axis = 2 + int(hashlib.sha256(word.encode()).hexdigest(), 16) % 62
                out[row, axis] = 1.0
        return out


def cosine_assigner(max_distance: float = 0.2) -> Assigner:
    """An assigner clustering on plain cosine distance (no pair model)."""
    return Assigner(clusterer=StoryClusterer(pair_model=None, max_distance=max_distance))


def open_fake_store(path, model, cache, pair_model=None, read_only=False, cache_dir=None):
    """Stands for the CLI's ``open_store``: the store with the fake model and plain cosine."""
    from clustering.store.store import StoryStore

    return StoryStore(path, AngleEmbedder(), cosine_assigner(), read_only=read_only)


def titled_articles(*rows: tuple[str, str]) -> pd.DataFrame:
    """Articles from (id, title) pairs; titles start with the word that places them."""
    return articles_from_records([{"id": i, "title": t} for i, t in rows]).articles


def fake_store(path):
    """A store at ``path`` over :class:`AngleEmbedder` and :func:`cosine_assigner`."""
    from clustering.store.store import StoryStore

    return StoryStore(path, AngleEmbedder(), cosine_assigner())


def assigned(result) -> list[tuple[str, str, str]]:
    """(id, story, status) of each assignment of an add."""
    return [(a.id, a.story, a.status) for a in result.assignments]
