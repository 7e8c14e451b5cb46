"""``-o/--output`` of every command: checked before any work, written whole or not at all.

The checks and the writing are the library's (:mod:`clustering.output.files`); here its
errors become one ``Error:`` line with exit code 2.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import click

from clustering.cli.common import errors
from clustering.output import STANDARD, check_output, write_output_file

_OUTPUT = "output"


def _inputs(ctx: click.Context) -> Iterator[str]:
    """The values of the command's file parameters: its inputs, store and model files.

    Every ``click.Path`` parameter that may name a file counts (a folder's files too), so a
    new command's inputs are protected without a list to keep.
    """
    for param in ctx.command.params:
        kind = param.type
        if param.name == _OUTPUT or not isinstance(kind, click.Path) or not kind.file_okay:
            continue
        value = ctx.params.get(str(param.name))
        values = value if isinstance(value, tuple | list) else (value,)
        yield from (str(item) for item in values if item is not None)


def output_option(
    help: str = "Write here instead of standard output (the whole file or, on error, nothing).",
    required: bool = False,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``-o/--output FILE`` (``-``, standard output, unless ``required``), passed on as ``output``.

    Before the command runs, a path that cannot be written, or that is one of the
    command's inputs (see :func:`_inputs`), is one ``Error:`` line with exit code 2.
    Give the value to :func:`write_output`.
    """

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            ctx = click.get_current_context()
            with errors():
                check_output(kwargs[_OUTPUT], list(_inputs(ctx)))
            command(*args, **kwargs)

        return click.option(
            "-o",
            "--output",
            _OUTPUT,
            type=click.Path(allow_dash=True, path_type=str),
            required=required,
            default=None if required else STANDARD,
            help=help,
        )(wrapper)

    return decorate


def write_output(output: str, text: str) -> None:
    """``text`` to standard output (``-``) or whole to the file ``output``.

    A file that cannot be written (full disk, no permission) is one ``Error:`` line and
    leaves any previous file as it was; a device or FIFO is written in place.
    """
    if output == STANDARD:
        with click.open_file(STANDARD, "w", encoding="utf-8") as stream:
            stream.write(text)
        return
    with errors():
        write_output_file(output, text)
