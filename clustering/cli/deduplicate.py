"""``samestory dedupe``: one row per story, the article to keep and its other versions."""

from __future__ import annotations

from typing import Any

import click
import pandas as pd

from clustering import ClusterSettings, open_store
from clustering.cli.common import (
    UsageFailure,
    cluster_inputs,
    cluster_options,
    errors,
    fetch_options,
    format_option,
    input_options,
    skip_bad_option,
)
from clustering.cli.outputs import output_option, write_output
from clustering.output import DEDUPE_FORMATS, KEEP, deduplicate, render_dedupe
from clustering.reading import Fetcher, ReadOptions


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=str),
    help="Deduplicate the stories of this story store instead of PATHS (with its own model).",
)
@click.option("--since", type=click.DateTime(), help="With --store: stories active at or after.")
@click.option(
    "--keep",
    type=click.Choice(KEEP),
    default="earliest",
    show_default=True,
    help="The article kept: the earliest published, or the story's representative.",
)
@format_option(
    DEDUPE_FORMATS, "jsonl", "CSV holds the version lists as JSON arrays; table: one line each."
)
@output_option()
@skip_bad_option()
@input_options
@cluster_options
@fetch_options()
def dedupe(
    paths: tuple[str, ...],
    store_path: str | None,
    since: Any,
    keep: str,
    fmt: str,
    output: str,
    skip_bad: bool,
    settings: ClusterSettings,
    fetcher: Fetcher,
    reading: ReadOptions,
) -> None:
    """One row per story: the article to keep, with its other versions.

    Each row lists the ids, sources and languages of the story's other versions. PATHS
    are what `cluster` reads ('-' is standard input), clustered as `cluster` does; or,
    with --store, the store's stories as they stand (corrections included). Every
    article is kept or listed as a version exactly once, and the same stories give the
    same bytes whatever the input order:  cat wire.jsonl | samestory dedupe - --format jsonl
    """
    if bool(paths) == bool(store_path):
        raise UsageFailure("give PATHS or --store, not both or neither")
    if since and not store_path:
        raise UsageFailure("--since needs --store")
    if store_path:
        with errors(), open_store(store_path, None, settings.cache, read_only=True) as store:
            result = store.result(pd.Timestamp(since) if since else None)
    else:
        result = cluster_inputs(paths, skip_bad, settings, fetcher=fetcher, reading=reading)
    write_output(output, render_dedupe(deduplicate(result.articles, result.stories, keep), fmt))
