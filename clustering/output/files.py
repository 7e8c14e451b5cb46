"""Writing an output file whole or not at all: a temporary file beside it, then a rename.

A full disk, a killed process or an error midway leaves the previous file as it was, and
no half-written one under its name. (click's ``File(atomic=True)`` renames its temporary
file over the target even after an error, so it cannot be used for this.)
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def _mode(target: Path) -> int:
    """The permission bits the file gets: the old file's, else the umask's default."""
    with contextlib.suppress(OSError):
        return stat.S_IMODE(target.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def output_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be written (a missing folder, a directory, no permission), or None."""
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        return "is a directory"
    if not folder.is_dir():
        return f"no such folder: {folder}"
    if not os.access(folder, os.W_OK | os.X_OK) or (
        target.exists() and not os.access(target, os.W_OK)
    ):
        return "permission denied"
    return None


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8, newlines as they are) to ``path`` atomically.

    The text goes to a temporary file in the same folder, is flushed to disk, and then
    replaces ``path`` in one rename. Raises :class:`OSError` when that fails, with
    ``path`` untouched and the temporary file removed.
    """
    target = Path(path)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (kept on error, to remove it)
        "w",
        encoding="utf-8",
        newline="",
        dir=target.parent,
        prefix=f".{target.name}.",
        suffix=".tmp",
        delete=False,
    )
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, _mode(target))
        os.replace(handle.name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise
