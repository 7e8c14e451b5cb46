"""``samestory report``: stories as one self-contained HTML page for editors."""

from __future__ import annotations

import click
from click.core import ParameterSource

from clustering import ClusterSettings, open_store, render_report
from clustering.cli.common import (
    UsageFailure,
    cluster_inputs,
    cluster_options,
    errors,
    fetch_options,
    input_options,
    skip_bad_option,
)
from clustering.cli.outputs import output_option, write_output
from clustering.output import DEFAULT_TITLE
from clustering.reading import Fetcher, ReadOptions


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, exists=True, path_type=str),
    help="Report the stories of this story store instead of clustering PATHS.",
)
@output_option()
@click.option("--title", default=DEFAULT_TITLE, show_default=True, help="The page's heading.")
@skip_bad_option()
@input_options
@cluster_options
@fetch_options()
def report(
    paths: tuple[str, ...],
    store_path: str | None,
    output: str,
    title: str,
    skip_bad: bool,
    settings: ClusterSettings,
    fetcher: Fetcher,
    reading: ReadOptions,
) -> None:
    """Write an HTML report of the stories in PATHS (or in a --store).

    One file, no network: story cards by size and recency with language badges and
    links, the outliers, a map of the articles coloured by story, and a search box.
    """
    if paths and store_path:
        raise UsageFailure("give PATHS or --store FILE.db, not both")
    if store_path:
        source = click.get_current_context().get_parameter_source("model")
        model = None if source is ParameterSource.DEFAULT else settings.model
        with errors():
            store = open_store(
                store_path, model, settings.cache, read_only=True, cache_dir=settings.cache_dir
            )
        with errors(), store:  # a damaged row is one line
            result = store.result()
    elif paths:
        result = cluster_inputs(paths, skip_bad, settings, fetcher=fetcher, reading=reading)
    else:
        raise UsageFailure("give PATHS or --store FILE.db")
    write_output(output, render_report(result, title=title))
