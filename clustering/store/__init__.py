"""The story store: wire feeds added as they arrive, stories with stable ids, in one SQLite file."""

from typing import TYPE_CHECKING

from clustering.lazy import lazy_exports

if TYPE_CHECKING:
    from clustering.store.assign import Assigner
    from clustering.store.database import StoreError
    from clustering.store.opening import store_embedder
    from clustering.store.store import AddResult, StoryStore

__all__ = [
    "AddResult",
    "Assigner",
    "StoreError",
    "StoryStore",
    "store_embedder",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "Assigner": "clustering.store.assign",
        "StoreError": "clustering.store.database",
        "store_embedder": "clustering.store.opening",
        "AddResult": "clustering.store.store",
        "StoryStore": "clustering.store.store",
    },
)
