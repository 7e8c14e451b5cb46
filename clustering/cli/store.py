"""The story-store commands: ``add``, ``stories``, ``export`` and ``watch``."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import click
import pandas as pd

from clustering.cli.common import (
    errors,
    format_option,
    input_options,
    load_pair_model,
    open_store,
    output_option,
    pair_model_option,
)
from clustering.errors import InputError
from clustering.output.formats import FORMATS, render
from clustering.reading.limits import ReadOptions
from clustering.reading.loaders import load_articles
from clustering.reading.values import iso_or_none, json_ready
from clustering.store.store import AddResult, StoryStore
from embeddings import DEFAULT_MODEL, make_embedder

EXPORT_FIELDS = ("id", "story", "outlier", "first_seen", "published", "lang", "title")


def _store_option(command: Callable[..., None]) -> Callable[..., None]:
    command = click.option(
        "--no-cache", is_flag=True, help="Do not read or write the on-disk vector cache."
    )(command)
    command = click.option(
        "--model",
        default=DEFAULT_MODEL,
        show_default=True,
        help="Embedding model; a store keeps the one it was made with.",
    )(command)
    return click.option(
        "--store",
        "store_path",
        required=True,
        type=click.Path(dir_okay=False, path_type=str),
        help="The SQLite story store (created when missing).",
    )(command)


def _open(store_path: str, model: str, no_cache: bool, pair_model: str | None = None) -> StoryStore:
    embedder = make_embedder(model, cache=not no_cache)
    return open_store(store_path, embedder, load_pair_model(pair_model, embedder))


def _add_sources(
    store: StoryStore, sources: tuple[str, ...], skip_bad: bool, reading: ReadOptions
) -> tuple[AddResult, bool]:
    """Add what the sources hold; report each bad source on stderr; True if any failed."""
    loaded = load_articles(sources, skip_bad=True, allow_empty=True, reading=reading)
    _report(loaded.skipped, skip_bad)
    return store.add(loaded.articles), bool(loaded.skipped) and not skip_bad


def _report(problems: list[InputError], skip_bad: bool) -> None:
    for problem in problems:
        click.echo(f"{'Skipped' if skip_bad else 'Error'}: {problem}", err=True)


def _print_result(result: AddResult, fmt: str, only_changes: bool = False) -> None:
    for source, target in result.merges:
        click.echo(f"merged {source} into {target}", err=True)
    rows = [a for a in result.assignments if not (only_changes and a.status == "duplicate")]
    if fmt == "jsonl":
        for a in rows:
            click.echo(
                json.dumps({"id": a.id, "story": a.story, "status": a.status}, ensure_ascii=False)
            )
        return
    for a in rows:
        click.echo(f"{a.id}\t{a.story}\t{a.status}")


@click.command()
@click.argument("sources", nargs=-1, required=True)
@_store_option
@pair_model_option
@click.option("--skip-bad", is_flag=True, help="Report bad sources as skipped and exit 0.")
@format_option(["table", "jsonl"], "table", "table: id, story and status per line, tab-separated.")
@input_options
def add(
    sources: tuple[str, ...],
    store_path: str,
    model: str,
    no_cache: bool,
    pair_model: str | None,
    skip_bad: bool,
    fmt: str,
    reading: ReadOptions,
) -> None:
    """Add the articles in SOURCES to the story store and print their stories.

    SOURCES are anything `cluster` reads, plus RSS and Atom files and http(s) feed URLs.
    Each article joins a story, opens one, or may merge two it bridges; re-adding an
    article (same id or same content) changes nothing. A bad source is reported and the
    others are still added; the exit code is then 2.
    """
    with errors(), _open(store_path, model, no_cache, pair_model) as store:
        result, failed = _add_sources(store, sources, skip_bad, reading)
    _print_result(result, fmt)
    if failed:
        raise click.exceptions.Exit(2)


@click.command()
@_store_option
@click.option("--since", type=click.DateTime(), help="Only stories with an article at or after.")
@format_option(FORMATS, "table")
def stories(store_path: str, model: str, no_cache: bool, since: Any, fmt: str) -> None:
    """List the stories in the store, largest first."""
    with errors(), _open(store_path, model, no_cache) as store:
        articles, found = store.stories(pd.Timestamp(since) if since else None)
    click.echo(render(articles, found, fmt), nl=False)


@click.command()
@_store_option
@format_option(["jsonl", "csv"], "jsonl")
@output_option
def export(store_path: str, model: str, no_cache: bool, fmt: str, output: Any) -> None:
    """One row per stored article: id, story, outlier, first_seen (and more)."""
    with errors(), _open(store_path, model, no_cache) as store:
        table = store.articles()
    table = table[list(EXPORT_FIELDS)].copy()
    for column in ("first_seen", "published"):
        table[column] = [iso_or_none(v) for v in table[column]]
    if fmt == "csv":
        output.write(table.to_csv(index=False))
        return
    for row in table.to_dict("records"):
        record = json_ready(row)
        record["outlier"] = bool(record["outlier"])
        output.write(json.dumps(record, ensure_ascii=False) + "\n")


@click.command()
@click.argument("sources", nargs=-1, required=True)
@_store_option
@click.option(
    "--interval",
    type=click.FloatRange(min=0.0),
    default=60.0,
    show_default=True,
    help="Seconds between polls.",
)
@click.option("--count", type=click.IntRange(min=1), help="Stop after this many polls.")
@pair_model_option
@input_options
def watch(
    sources: tuple[str, ...],
    store_path: str,
    model: str,
    no_cache: bool,
    pair_model: str | None,
    interval: float,
    count: int | None,
    reading: ReadOptions,
) -> None:
    """Poll SOURCES (directories, feed files or URLs) and add what is new, until Ctrl-C.

    Prints each new article's story; a source that fails is reported and polled again
    next time.
    """
    polls = 0
    try:
        with errors(), _open(store_path, model, no_cache, pair_model) as store:
            while count is None or polls < count:
                result, _ = _add_sources(store, sources, False, reading)
                _print_result(result, "table", only_changes=True)
                polls += 1
                if count is None or polls < count:
                    time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
