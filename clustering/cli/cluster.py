"""``samestory cluster``: group articles into stories and print them."""

from __future__ import annotations

import click

from clustering import ClusterSettings, render
from clustering.cli.common import (
    UsageFailure,
    cluster_inputs,
    cluster_options,
    fetch_options,
    format_option,
    input_options,
    skip_bad_option,
)
from clustering.cli.outputs import output_option, write_output
from clustering.output import FORMATS
from clustering.pipeline import Engine
from clustering.reading import Fetcher, ReadOptions


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@format_option(
    FORMATS,
    "table",
    "table: one line per story; jsonl/csv: one row per article; json: stories with members.",
)
@output_option()
@skip_bad_option()
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: one process; dask: embed and cluster (in time windows) on Dask workers.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Dask scheduler address (tcp://HOST:8786) [default: a LocalCluster of 2 workers].",
)
@input_options
@cluster_options
@fetch_options()
def cluster(
    paths: tuple[str, ...],
    fmt: str,
    output: str,
    skip_bad: bool,
    engine: Engine,
    scheduler: str | None,
    settings: ClusterSettings,
    fetcher: Fetcher,
    reading: ReadOptions,
) -> None:
    """Group the articles in PATHS into stories.

    PATHS are directories of .txt/.md/.html files (ids are file names) and JSONL, CSV, TSV
    or Parquet files (one article per row); '-' is standard input (see --input-format).
    """
    if scheduler and engine != "dask":
        raise UsageFailure("--scheduler needs --engine dask")
    result = cluster_inputs(paths, skip_bad, settings, engine, scheduler, fetcher, reading)
    write_output(output, render(result, fmt))
