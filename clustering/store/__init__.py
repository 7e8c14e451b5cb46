"""The story store: wire feeds added as they arrive, stories with stable ids, in one SQLite file."""

from typing import TYPE_CHECKING

from clustering.lazy import lazy_exports

if TYPE_CHECKING:
    from clustering.store.assign import Assigner
    from clustering.store.corrections import (
        Correction,
        CorrectionError,
        merge_stories,
        separate_articles,
        split_articles,
        undo_correction,
    )
    from clustering.store.database import StoreError
    from clustering.store.opening import store_embedder
    from clustering.store.store import AddResult, StoryStore

__all__ = [
    "AddResult",
    "Assigner",
    "Correction",
    "CorrectionError",
    "StoreError",
    "StoryStore",
    "merge_stories",
    "separate_articles",
    "split_articles",
    "store_embedder",
    "undo_correction",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "Assigner": "clustering.store.assign",
        "Correction": "clustering.store.corrections",
        "CorrectionError": "clustering.store.corrections",
        "merge_stories": "clustering.store.corrections",
        "separate_articles": "clustering.store.corrections",
        "split_articles": "clustering.store.corrections",
        "undo_correction": "clustering.store.corrections",
        "StoreError": "clustering.store.database",
        "store_embedder": "clustering.store.opening",
        "AddResult": "clustering.store.store",
        "StoryStore": "clustering.store.store",
    },
)
