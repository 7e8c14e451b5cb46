"""``samestory report``: stories as one self-contained HTML page for editors."""

from __future__ import annotations

from typing import Any

import click

from clustering.cli.common import (
    ClusterSettings,
    UsageFailure,
    cluster_inputs,
    cluster_options,
    input_options,
    open_store,
    output_option,
)
from clustering.output.report import DEFAULT_TITLE, render_report
from clustering.reading.limits import ReadOptions


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, exists=True, path_type=str),
    help="Report the stories of this story store instead of clustering PATHS.",
)
@output_option
@click.option("--title", default=DEFAULT_TITLE, show_default=True, help="The page's heading.")
@click.option(
    "--skip-bad", is_flag=True, help="Skip bad inputs and report them instead of failing."
)
@input_options
@cluster_options
def report(
    paths: tuple[str, ...],
    store_path: str | None,
    output: Any,
    title: str,
    skip_bad: bool,
    settings: ClusterSettings,
    reading: ReadOptions,
) -> None:
    """Write an HTML report of the stories in PATHS (or in a --store).

    One file, no network: story cards by size and recency with language badges and
    links, the outliers, a map of the articles coloured by story, and a search box.
    """
    if paths and store_path:
        raise UsageFailure("give PATHS or --store FILE.db, not both")
    if store_path:
        with open_store(store_path, settings.embedder()) as store:
            result = store.result()
    elif paths:
        result = cluster_inputs(paths, skip_bad, settings, reading=reading)
    else:
        raise UsageFailure("give PATHS or --store FILE.db")
    output.write(render_report(result, title=title))
