"""Union-find over any hashable items: the root of a set is its smallest item by a key."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

T = TypeVar("T", bound=Hashable)


def _same(item: Any) -> Any:
    return item


class UnionFind(Generic[T]):
    """Disjoint sets of items, joined with :meth:`union`; each set's root is its smallest.

    "Smallest" is by ``key`` (the item itself by default), so the root does not depend on
    the order of the unions: a merged story keeps its oldest id, merged windows their
    first article.
    """

    def __init__(self, key: Callable[[T], Any] = _same) -> None:
        self._parent: dict[T, T] = {}
        self._key = key

    def find(self, item: T) -> T:
        """The root of ``item``'s set (``item`` itself when it was never joined)."""
        root = item
        while (parent := self._parent.get(root, root)) != root:
            root = parent
        while item != root:
            self._parent[item], item = root, self._parent.get(item, item)
        return root

    def union(self, items: Iterable[T]) -> T | None:
        """Join the sets of ``items`` into one; return its root (None when no items)."""
        roots = {self.find(item) for item in items}
        if not roots:
            return None
        root = min(roots, key=self._key)
        for other in roots:
            if other != root:
                self._parent[other] = root
        return root
