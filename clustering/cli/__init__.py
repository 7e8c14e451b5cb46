"""The ``samestory`` command line: parse options, make one library call, print.

The library never imports click; each command here turns library errors into a one-line
``Error: …`` with exit code 2.
"""

from __future__ import annotations

import warnings

import click

from clustering.cli.calibrate import calibrate
from clustering.cli.cluster import cluster
from clustering.cli.compare import compare
from clustering.cli.corrections import merge, separate, split, undo
from clustering.cli.deduplicate import dedupe
from clustering.cli.evaluate import evaluate
from clustering.cli.report import report
from clustering.cli.serve import serve
from clustering.cli.store import add, export, stories, watch
from embeddings import DEFAULT_MODEL, list_models


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="samestory")
def main() -> None:
    """Find the same news story across languages."""
    warnings.formatwarning = _one_line


def _one_line(message: Warning | str, *_: object, **__: object) -> str:
    """A warning as ``Warning: …`` on one line, like the errors."""
    return f"Warning: {message}\n"


@main.command()
def models() -> None:
    """List the bundled models; any sentence-transformers model path works too."""
    for name, description in list_models().items():
        marker = " (default)" if name == DEFAULT_MODEL else ""
        click.echo(f"{name}{marker}: {description}")


main.add_command(cluster)
main.add_command(dedupe)
main.add_command(evaluate)
for command in (add, stories, export, watch):
    main.add_command(command)
for command in (split, merge, separate, undo):
    main.add_command(command)
main.add_command(compare)
main.add_command(report)
main.add_command(serve)
main.add_command(calibrate)
