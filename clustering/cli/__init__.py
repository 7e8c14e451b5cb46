"""The ``samestory`` command line: parse options, make one library call, print.

The library never imports click; each command here turns library errors into a one-line
``Error: …`` with exit code 2. A command's module (and numpy, pandas, scikit-learn with it)
is imported only when that command runs, so ``--help`` and ``--version`` answer at once.
"""

from __future__ import annotations

import importlib
import warnings

import click

# name: (its module, the first sentence of its help, which `samestory --help` lists without
# importing the module; tests/test_cli_startup.py checks it against the command's docstring)
_COMMANDS = {
    "add": (
        "clustering.cli.store",
        "Add the articles in SOURCES to the story store and print their stories.",
    ),
    "calibrate": (
        "clustering.cli.calibrate",
        "Fit a pair model (P(same story)) for --model from story-labelled articles or pairs.",
    ),
    "cluster": ("clustering.cli.cluster", "Group the articles in PATHS into stories."),
    "compare": (
        "clustering.cli.compare",
        "How likely two articles A B report the same story, with the evidence.",
    ),
    "dedupe": (
        "clustering.cli.deduplicate",
        "One row per story: the article to keep, with its other versions.",
    ),
    "evaluate": (
        "clustering.cli.evaluate",
        "Cluster PATHS and score the stories against the gold labels in column GOLD.",
    ),
    "export": (
        "clustering.cli.store",
        "One row per stored article, in the order stored; a copy right after its article.",
    ),
    "merge": (
        "clustering.cli.corrections",
        "Join STORIES (two or more) into one, under the oldest id; they stay merged.",
    ),
    "report": (
        "clustering.cli.report",
        "Write an HTML report of the stories in PATHS (or in a --store).",
    ),
    "separate": (
        "clustering.cli.corrections",
        "Say the articles FIRST and SECOND are different events: they never share a story.",
    ),
    "serve": (
        "clustering.cli.serve",
        "Serve the desk over the story store: stories as they form, and corrections.",
    ),
    "split": (
        "clustering.cli.corrections",
        "Move the articles IDS out of their story into a new story.",
    ),
    "stories": ("clustering.cli.store", "List the stories in the store, largest first."),
    "undo": (
        "clustering.cli.corrections",
        "Take back the correction numbered EVENT (default: the latest still standing).",
    ),
    "watch": (
        "clustering.cli.store",
        "Poll SOURCES (directories, feed files or URLs) and add what is new, until Ctrl-C.",
    ),
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when the command is called."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, the lazy ones included, in alphabetical order."""
        return sorted({*super().list_commands(ctx), *_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, imported from its module on first use."""
        if cmd_name in _COMMANDS and cmd_name not in self.commands:
            module = importlib.import_module(_COMMANDS[cmd_name][0])
            self.add_command(getattr(module, cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list as click writes it, from the table above: importing nothing."""
        helps = {name: sentence for name, (_, sentence) in _COMMANDS.items()}
        helps |= {name: command.help or "" for name, command in self.commands.items()}
        limit = formatter.width - 6 - max(map(len, helps))
        rows = [
            (name, click.Command(name, help=helps[name]).get_short_help_str(limit))
            for name in sorted(helps)
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    from embeddings import DEFAULT_MODEL, list_models  # pandas: only when the command runs

    for name, description in list_models().items():
        marker = " (default)" if name == DEFAULT_MODEL else ""
        click.echo(f"{name}{marker}: {description}")
