"""``samestory cluster``: group articles into stories and print them."""

from __future__ import annotations

from typing import Any

import click

from clustering.cli.common import ClusterSettings, cluster_inputs, cluster_options, output_option
from clustering.formats import FORMATS, render


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table: one line per story; jsonl/csv: one row per article; json: stories with members.",
)
@output_option
@click.option(
    "--skip-bad", is_flag=True, help="Skip bad inputs and report them instead of failing."
)
@cluster_options
def cluster(
    paths: tuple[str, ...], fmt: str, output: Any, skip_bad: bool, settings: ClusterSettings
) -> None:
    """Group the articles in PATHS into stories.

    PATHS are directories of .txt/.md/.html files (ids are file names) and JSONL, CSV, TSV
    or Parquet files (one article per row).
    """
    result = cluster_inputs(paths, skip_bad, settings)
    output.write(render(result.articles, result.stories, fmt))
