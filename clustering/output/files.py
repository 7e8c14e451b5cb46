"""Writing an output file whole or not at all, and never over an input or a device node.

A regular file (or a new path) is written to a temporary file beside it, then renamed over
it: a full disk, a killed process or an error midway leaves the previous file as it was,
and no half-written one under its name. (click's ``File(atomic=True)`` renames its
temporary file over the target even after an error, so it cannot be used for this.)
A character or block device, a FIFO or a socket (``/dev/null``, ``/dev/stdout``, a named
pipe) is written in place: a rename would put a regular file where the device was.

:func:`check_output` runs before any work: an output that is one of the command's inputs
(the same file by device and inode, through symbolic and hard links, or a file inside an
input folder) is refused, since writing it would destroy what is being read.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from clustering.errors import OutputError

#: The path that stands for standard output (and, as an input, standard input).
STANDARD = "-"
#: Where links lead to open streams (``/dev/stdout`` → ``/proc/self/fd/1``): never renamed over.
_STREAM_FOLDERS = ("/proc/", "/dev/fd/")
_MAX_LINKS = 40
#: The files SQLite keeps beside a database while it is in use (WAL, its index, a journal):
#: renaming over one loses or corrupts what the store holds.
_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")
_SQLITE_HEADER = b"SQLite format 3\x00"


def _mode(target: Path) -> int:
    """The permission bits the file gets: the old file's, else the umask's default."""
    with contextlib.suppress(OSError):
        return stat.S_IMODE(target.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _renamable(path: str | os.PathLike[str]) -> Path | None:
    """The regular file (or new path) a rename may replace to write ``path``, following links.

    None when ``path`` is (or leads to) a device, FIFO, socket or a stream such as
    ``/dev/stdout``: such a path is written in place.
    """
    target = Path(path)
    for _ in range(_MAX_LINKS):
        try:
            info = os.lstat(target)
        except FileNotFoundError:
            return target
        if stat.S_ISREG(info.st_mode):
            return target
        if not stat.S_ISLNK(info.st_mode):
            return None
        target = Path(os.path.normpath(target.parent / os.readlink(target)))
        if str(target).startswith(_STREAM_FOLDERS):
            return None
    return None


def output_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be written (a missing folder, a directory, no permission), or None."""
    if Path(path).is_dir():
        return "is a directory"
    inside = os.path.dirname(os.fspath(path))  # as the system reads it: "a.jsonl/" is in a.jsonl
    if inside and os.path.exists(inside) and not os.path.isdir(inside):
        return f"not a folder: {inside}"  # pathlib would drop the slash and write over a.jsonl
    target = _renamable(path)
    if target is None:  # a device or FIFO: written in place, its folder is not touched
        return None if os.access(path, os.W_OK) else "permission denied"
    folder = target.parent
    if not folder.is_dir():
        return f"no such folder: {folder}"
    if not os.access(folder, os.W_OK | os.X_OK) or (
        target.exists() and not os.access(target, os.W_OK)
    ):
        return "permission denied"
    return None


def _stdin_identity() -> tuple[int, int] | None:
    with contextlib.suppress(AttributeError, OSError, ValueError):
        info = os.fstat(sys.stdin.fileno())
        if stat.S_ISREG(info.st_mode):
            return info.st_dev, info.st_ino
    return None


def _files_of(source: str) -> Iterator[tuple[str, os.stat_result]]:
    """``source`` and, for a folder, every file beneath it, with what ``stat`` says of each."""
    with contextlib.suppress(OSError, ValueError):
        yield source, os.stat(source)
    if os.path.isdir(source):
        for folder, _, names in os.walk(source):
            for name in names:
                path = os.path.join(folder, name)
                with contextlib.suppress(OSError, ValueError):
                    yield path, os.stat(path)


def _sidecar(path: str | os.PathLike[str], source: str) -> str | None:
    """The name of ``source``'s WAL, shared-memory or journal file that ``path`` is, or None.

    Only for a ``source`` that is a SQLite database (a store); the sidecar need not exist
    yet, since a writer may create it at any moment.
    """
    if not os.path.isfile(source):  # a FIFO is never opened here: it would wait for a writer
        return None
    with contextlib.suppress(OSError, ValueError):
        with open(source, "rb") as stream:
            if stream.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
                return None
        real = os.path.realpath(path)
        for suffix in _SQLITE_SIDECARS:
            if real == os.path.realpath(source) + suffix:
                return source + suffix
    return None


def clashing_input(
    path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str] | None]
) -> str | None:
    """The input (or the file inside an input folder) that ``path`` is, or None.

    The same regular file by device and inode, whatever links lead to either. ``-`` as an
    input is standard input, when that is a file. A store's WAL, shared-memory and journal
    files are part of it. URLs and missing inputs match nothing.
    """
    inputs = list(inputs)
    for source in inputs:
        if source is not None and os.fspath(source) != STANDARD:
            found = _sidecar(path, os.fspath(source))
            if found is not None:
                return found
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None  # a new file is no input
    if not stat.S_ISREG(info.st_mode):
        return None  # writing a device or FIFO destroys nothing
    identity = (info.st_dev, info.st_ino)
    for source in inputs:
        if source is None:
            continue
        name = os.fspath(source)
        if name == STANDARD:
            if _stdin_identity() == identity:
                return "<stdin>"
            continue
        for found, seen in _files_of(name):
            if (seen.st_dev, seen.st_ino) == identity:
                return found
    return None


def check_output(
    path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str] | None] = ()
) -> None:
    """Raise :class:`OutputError` unless ``path`` can be written without destroying an input.

    ``-`` (standard output) always can. Run it before any work.
    """
    name = os.fspath(path)
    if name == STANDARD:
        return
    problem = output_problem(name)
    if problem is None:
        found = clashing_input(name, inputs)
        problem = None if found is None else f"it is an input ({found})"
    if problem:
        raise OutputError(name, problem)


def _write_in_place(path: str | os.PathLike[str], text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        stream.write(text)


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8, newlines as they are) to ``path`` atomically.

    The text goes to a temporary file in the same folder, is flushed to disk, and then
    replaces ``path`` in one rename (a symbolic link's target is replaced, the link kept).
    A device, FIFO or socket is written in place instead. Raises :class:`OSError` when
    that fails, with a regular ``path`` untouched and the temporary file removed.
    """
    target = _renamable(path)
    if target is None:
        _write_in_place(path, text)
        return
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


def write_output_file(path: str | os.PathLike[str], text: str) -> None:
    """:func:`write_atomically`, with a failure (a full disk) as :class:`OutputError`."""
    try:
        write_atomically(path, text)
    except OSError as exc:
        raise OutputError(os.fspath(path), exc.strerror or str(exc)) from exc
