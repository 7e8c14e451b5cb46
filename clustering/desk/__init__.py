"""The editor's desk: a local web page over a story store (``samestory serve``).

Needs the ``desk`` extra (Starlette and uvicorn): ``pip install 'samestory[desk]'``.
"""

from typing import TYPE_CHECKING

from clustering.lazy import lazy_exports

if TYPE_CHECKING:
    from clustering.desk.app import Desk, make_app
    from clustering.desk.security import BindError, check_bind
    from clustering.desk.watching import Watcher

__all__ = ["BindError", "Desk", "Watcher", "check_bind", "make_app"]

__getattr__ = lazy_exports(
    __name__,
    {
        "Desk": "clustering.desk.app",
        "make_app": "clustering.desk.app",
        "BindError": "clustering.desk.security",
        "check_bind": "clustering.desk.security",
        "Watcher": "clustering.desk.watching",
    },
)
