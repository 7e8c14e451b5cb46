"""The story-store commands: ``add``, ``stories``, ``export`` and ``watch``."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import click
import pandas as pd

from clustering import InputError, StoryStore, open_store, render
from clustering.cli.common import (
    check_stdin_once,
    errors,
    fetch_options,
    format_option,
    input_options,
    pair_model_option,
    skip_bad_option,
)
from clustering.cli.numbers import Number
from clustering.cli.outputs import output_option, write_output
from clustering.output import FORMATS, printable, render_export
from clustering.reading import (
    INTERVAL,
    MIN_URL_INTERVAL,
    Fetcher,
    PollSchedule,
    ReadOptions,
    is_url,
    source_name,
)
from clustering.store import AddResult
from embeddings import DEFAULT_MODEL

#: The clock and the sleep of ``watch`` (tests put a virtual clock in their place).
_clock: Callable[[], float] = time.monotonic
_sleep: Callable[[float], None] = time.sleep


def _store_option(command: Callable[..., None]) -> Callable[..., None]:
    command = click.option(
        "--no-cache", is_flag=True, help="Do not read or write the on-disk vector cache."
    )(command)
    command = click.option(
        "--model",
        help=f"Embedding model [default: the store's own; {DEFAULT_MODEL} for a new store]. "
        "A store keeps the one it was made with.",
    )(command)
    return click.option(
        "--store",
        "store_path",
        required=True,
        type=click.Path(dir_okay=False, path_type=str),
        help="The SQLite story store (add and watch create it when missing).",
    )(command)


def _watch_fetcher(max_bytes: int, timeout: float) -> Fetcher:
    """A fetcher that spaces requests on ``watch``'s clock."""
    return Fetcher(max_bytes, timeout, clock=_clock, sleep=_sleep)


def _open(
    store_path: str, model: str | None, no_cache: bool, pair_model: str | None = None
) -> StoryStore:
    """The store opened for writing (created when missing) with its own model."""
    return open_store(store_path, model, cache=not no_cache, pair_model=pair_model)


def _add_sources(
    store: StoryStore,
    sources: tuple[str, ...],
    skip_bad: bool,
    fetcher: Fetcher,
    reading: ReadOptions,
) -> tuple[AddResult, bool]:
    """Add what the sources hold; report each bad source on stderr; True if any failed."""
    store.skip_damaged = skip_bad
    result, loaded = store.add_sources(sources, fetcher, reading)
    _report(loaded.skipped, skip_bad)
    for damaged in store.damaged:  # reported once each, the first time they are met
        click.echo(f"Skipped: {printable(str(damaged))} (left out of the matching)", err=True)
    store.damaged.clear()
    return result, bool(loaded.skipped) and not skip_bad


def _report(problems: list[InputError], skip_bad: bool) -> None:
    for problem in problems:
        click.echo(f"{'Skipped' if skip_bad else 'Error'}: {printable(str(problem))}", err=True)


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
        click.echo(f"{printable(a.id)}\t{a.story}\t{a.status}")


@click.command()
@click.argument("sources", nargs=-1, required=True)
@_store_option
@pair_model_option
@skip_bad_option("Report bad sources as skipped and exit 0.")
@format_option(["table", "jsonl"], "table", "table: id, story and status per line, tab-separated.")
@fetch_options()
@input_options
def add(
    sources: tuple[str, ...],
    store_path: str,
    model: str | None,
    no_cache: bool,
    pair_model: str | None,
    skip_bad: bool,
    fmt: str,
    fetcher: Fetcher,
    reading: ReadOptions,
) -> None:
    """Add the articles in SOURCES to the story store and print their stories.

    SOURCES are anything `cluster` reads, plus RSS and Atom files and http(s) feed URLs.
    Each article joins a story, opens one, or may merge two it bridges; re-adding an
    article (same id and content, or a new id with stored content) changes nothing. A
    stored id with a new title or text is a correction: the stored article is updated
    and keeps its story. A bad source is reported and the others are still added; the
    exit code is then 2. A feed URL is asked only for what changed since the store last
    read it (its ETag and Last-Modified are kept in the store): an unchanged feed costs one
    short 304 answer and adds nothing.
    """
    check_stdin_once(*sources)
    with errors(), _open(store_path, model, no_cache, pair_model) as store:
        result, failed = _add_sources(store, sources, skip_bad, fetcher, reading)
    _print_result(result, fmt)
    if failed:
        raise click.exceptions.Exit(2)


@click.command()
@_store_option
@click.option("--since", type=click.DateTime(), help="Only stories with an article at or after.")
@format_option(FORMATS, "table")
def stories(store_path: str, model: str | None, no_cache: bool, since: Any, fmt: str) -> None:
    """List the stories in the store, largest first."""
    with errors(), open_store(store_path, model, cache=not no_cache, read_only=True) as store:
        result = store.result(pd.Timestamp(since) if since else None)
    click.echo(render(result, fmt), nl=False)


@click.command()
@_store_option
@format_option(["jsonl", "csv"], "jsonl")
@output_option()
def export(store_path: str, model: str | None, no_cache: bool, fmt: str, output: str) -> None:
    """One row per stored article, in the order stored; a copy right after its article.

    Columns: id, story, outlier, confidence (P(same story) with the story's
    representative, as `cluster` gives it), first_seen, published, lang, title, then the
    input's own columns, as `cluster` passes them through.
    """
    with errors(), open_store(store_path, model, cache=not no_cache, read_only=True) as store:
        result = store.result()
    write_output(output, render_export(result, fmt))


@click.command()
@click.argument("sources", nargs=-1, required=True)
@_store_option
@click.option(
    "--interval",
    type=Number(INTERVAL),
    default=60.0,
    show_default=True,
    help="Seconds between polls (above 0, at most 86400, a day); URLs at most every "
    f"{MIN_URL_INTERVAL:g} s.",
)
@click.option("--count", type=click.IntRange(min=1), help="Stop after this many polls.")
@pair_model_option
@fetch_options(_watch_fetcher)
@input_options
def watch(
    sources: tuple[str, ...],
    store_path: str,
    model: str | None,
    no_cache: bool,
    pair_model: str | None,
    interval: float,
    count: int | None,
    fetcher: Fetcher,
    reading: ReadOptions,
) -> None:
    """Poll SOURCES (directories, feed files or URLs) and add what is new, until Ctrl-C.

    Prints each new article's story. URLs are polled at most every minute, requests to one
    host are a second apart, and each request carries the ETag and Last-Modified of the
    feed's last good read (kept in the store, for the next watch or add too), so an
    unchanged feed costs one short 304 answer. Standard input (`-`) is read at the first
    poll only. A source that fails is reported and polled again after 2, 4, 8… intervals
    (at most an hour). The exit code is 2 when a source
    failed on every one of its polls; the other sources' articles are stored all the same.
    """
    check_stdin_once(*sources)
    if interval < MIN_URL_INTERVAL and any(is_url(source) for source in sources):
        click.echo(f"Note: URLs are polled at most every {MIN_URL_INTERVAL:g} s.", err=True)
    schedule = PollSchedule(sources, interval, start=_clock())
    polls = 0
    try:
        with errors(), _open(store_path, model, no_cache, pair_model) as store:
            while (count is None or polls < count) and not schedule.done():
                _sleep(max(0.0, schedule.next_due() - _clock()))
                _poll(store, schedule, fetcher, reading)
                polls += 1
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
    failed = schedule.always_failed()
    _report(
        [
            InputError(source_name(s), f"failed on every poll ({n} of {n})")
            for s, n in failed.items()
        ],
        skip_bad=False,
    )
    if failed:
        raise click.exceptions.Exit(2)


def _poll(
    store: StoryStore, schedule: PollSchedule, fetcher: Fetcher, reading: ReadOptions
) -> None:
    """Poll the sources that are due, one by one, and add what each holds to the store.

    A source fails when it yields errors and no article (a feed unchanged since the last
    poll yields neither).
    """
    started = _clock()
    for source in schedule.due(started):
        result, loaded = store.add_sources([source], fetcher, reading)
        _report(loaded.skipped, skip_bad=False)
        schedule.record(source, ok=not loaded.skipped or not loaded.articles.empty, started=started)
        _print_result(result, "table", only_changes=True)
