"""Lazy public faces: a package names its public things, and imports each when first asked.

A package's ``__init__`` lists where each public name lives; the module is imported only
when the name is used, so importing a package (the command line does at start-up) costs
nothing until its heavy parts (numpy, pandas, scikit-learn) are needed.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module


def lazy_exports(package: str, homes: dict[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package``: ``name`` comes from the module ``homes[name]``."""

    def __getattr__(name: str) -> object:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(home), name)

    return __getattr__
