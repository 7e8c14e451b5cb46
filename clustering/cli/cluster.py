"""``samestory cluster``: group articles into stories and print them."""

from __future__ import annotations

from typing import Any

import click

from clustering.cli.common import (
    ClusterSettings,
    cluster_options,
    errors,
    output_option,
    progress_bar,
    report_skipped,
)
from clustering.formats import FORMATS, render
from clustering.pipeline import cluster_paths


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
    with errors(), progress_bar() as progress:
        result = cluster_paths(
            paths,
            embedder=settings.embedder(),
            skip_bad=skip_bad,
            progress=progress,
            **settings.clusterer_params(),
        )
    report_skipped(result.skipped, len(result.articles))
    output.write(render(result.articles, result.stories, fmt))
