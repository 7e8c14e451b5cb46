"""The command-line reference in docs/cli.md: every command's ``--help``, written by cog.

docs/cli.md holds a cog block that calls :func:`reference`; ``make docs-cli`` rewrites it
(``cog -r``) and ``tests/test_docs.py`` runs cog's check, so the page cannot fall behind
the options. The commands are read from the click group, so a new command appears by
itself. The help is formatted 78 columns wide, as in any terminal of 80 columns or more,
whatever the terminal that runs cog.
"""

from __future__ import annotations

import click
from click.testing import CliRunner

from clustering.cli import main

PROG = "samestory"
#: What click's help uses in a terminal of 80 columns or more.
WIDTH = 78


def help_text(*args: str) -> str:
    """``samestory ARGS --help`` as it prints, at the fixed width."""
    result = CliRunner().invoke(
        main, [*args, "--help"], prog_name=PROG, terminal_width=WIDTH, catch_exceptions=False
    )
    if result.exit_code != 0:
        raise RuntimeError(f"{PROG} {' '.join(args)} --help failed: {result.output}")
    return result.stdout


def commands() -> list[str]:
    """The group's command names, in the order ``samestory --help`` lists them."""
    with click.Context(main, info_name=PROG) as context:
        return list(main.list_commands(context))


def reference() -> str:
    """Markdown: ``samestory --help``, then a section per command with its help."""
    parts = [_block(), *(f"### {PROG} {name}\n\n{_block(name)}" for name in commands())]
    return "\n".join(parts)


def _block(*args: str) -> str:
    command = " ".join([PROG, *args, "--help"])
    return f"```console\n$ {command}\n{help_text(*args)}```\n"
