"""How inputs are read: the format of standard input and the size limits, with their defaults.

Two limits keep one hostile input from filling memory or stalling a run:

- bytes per input file (``max_input_bytes``, default 256 MiB): a file or standard input
  over it is an :class:`InputError`, found before its content is read;
- bytes per article (``max_article_bytes``, default 128 KiB of UTF-8, ten times a long news
  article): a longer title or text is cut at the limit with an :class:`InputWarning`, since
  the lead and the names that carry the event come first, and embedding time grows with the
  length.
"""

from __future__ import annotations

import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from clustering.errors import InputError, InputWarning
from clustering.reading.numbers import BYTES

DEFAULT_MAX_INPUT_BYTES = 256 * 2**20
DEFAULT_MAX_ARTICLE_BYTES = 128 * 2**10
#: The formats standard input (``-``) can be read as.
STDIN_FORMATS = ("jsonl", "csv", "text", "html")
#: The path that stands for standard input.
STDIN = "-"
#: How standard input is named in errors and in the article table's ``path``.
STDIN_NAME = "<stdin>"
_CHUNK = 2**24
_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


@dataclass(frozen=True)
class ReadOptions:
    """How inputs are read: ``input_format`` of ``-`` (standard input) and the size limits.

    Without ``input_format``, standard input starting with ``{`` is JSONL, one whose first
    line is a CSV header naming an id, title or text column is CSV, and anything else one
    article (text, Markdown or HTML, told apart as for a ``.txt`` file).
    """

    input_format: str | None = None
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES

    def __post_init__(self) -> None:
        if self.input_format not in (None, *STDIN_FORMATS):
            raise ValueError(f"input_format must be one of {', '.join(STDIN_FORMATS)}")
        BYTES.check(self.max_input_bytes, "max_input_bytes")
        BYTES.check(self.max_article_bytes, "max_article_bytes")


def source_name(path: str | os.PathLike[str]) -> str:
    """How an input is named in errors: its path, or :data:`STDIN_NAME` for ``-``."""
    return STDIN_NAME if os.fspath(path) == STDIN else os.fspath(path)


def _over(name: str, limit: int) -> InputError:
    return InputError(name, f"larger than the input limit of {limit:,} bytes (--max-input-bytes)")


def check_regular_file(path: Path, limit: int) -> None:
    """Raise :class:`InputError` unless ``path`` is a regular file of at most ``limit`` bytes.

    A FIFO or device (``/dev/zero``) would block or never end, so it is refused unread.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError as exc:
        reason = "broken symbolic link" if path.is_symlink() else "no such file or directory"
        raise InputError(str(path), reason) from exc
    except OSError as exc:
        raise InputError(str(path), f"cannot read file ({exc.strerror or exc})") from exc
    for test, kind in _KINDS:
        if test(info.st_mode):
            raise InputError(str(path), f"not a regular file ({kind}); pipe it into '-' instead")
    if info.st_size > limit:
        raise _over(str(path), limit)


def read_at_most(stream: BinaryIO, limit: int, name: str) -> bytes:
    """All of ``stream``, or :class:`InputError` once it holds more than ``limit`` bytes.

    Read in chunks: a large limit is never allocated (or passed to the system) at once.
    """
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(limit + 1 - size, _CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise _over(name, limit)
    return b"".join(chunks)


def cut_to_bytes(text: str, limit: int, what: str, where: str) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, with an :class:`InputWarning` if cut."""
    if len(text) * 4 <= limit:
        return text
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return text
    warnings.warn(
        InputWarning(
            f"{where}: {what} cut to the article limit of {limit:,} bytes "
            f"(it has {len(data):,}; --max-article-bytes)"
        ),
        stacklevel=3,
    )
    return data[:limit].decode("utf-8", "ignore")
