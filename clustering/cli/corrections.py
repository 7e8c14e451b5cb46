"""The correction commands: ``split``, ``merge``, ``separate`` and ``undo``.

Each makes one correction in the store (:mod:`clustering.store.corrections`) and prints
its number, kind and the stories it left, e.g. ``correction 3 (split): S4``.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from clustering import StoryStore, open_store
from clustering.cli.common import errors
from clustering.cli.store import _store_option
from clustering.store import (
    Correction,
    merge_stories,
    separate_articles,
    split_articles,
    undo_correction,
)


def _note_option(command: Callable[..., None]) -> Callable[..., None]:
    return click.option("--note", help="Why: kept in the store's history with the correction.")(
        command
    )


def _correct(
    store_path: str,
    model: str | None,
    no_cache: bool,
    make: Callable[[StoryStore], Correction],
) -> None:
    with errors(), open_store(store_path, model, cache=not no_cache) as store:
        done = make(store)
    click.echo(done.describe())


@click.command()
@click.argument("ids", nargs=-1, required=True)
@_store_option
@_note_option
def split(
    ids: tuple[str, ...], store_path: str, model: str | None, no_cache: bool, note: str | None
) -> None:
    """Move the articles IDS out of their story into a new story.

    The articles must share a story, and some of it must stay. Later adds never put them
    back together with the members they left; `undo` takes the split back.
    """
    _correct(store_path, model, no_cache, lambda store: split_articles(store, ids, note))


@click.command()
@click.argument("stories", nargs=-1, required=True)
@_store_option
@_note_option
def merge(
    stories: tuple[str, ...], store_path: str, model: str | None, no_cache: bool, note: str | None
) -> None:
    """Join STORIES (two or more) into one, under the oldest id; they stay merged."""
    _correct(store_path, model, no_cache, lambda store: merge_stories(store, stories, note))


@click.command()
@click.argument("first")
@click.argument("second")
@_store_option
@_note_option
def separate(
    first: str, second: str, store_path: str, model: str | None, no_cache: bool, note: str | None
) -> None:
    """Say the articles FIRST and SECOND are different events: they never share a story.

    If they share one now, SECOND leaves it for a new story. Later adds never merge
    stories that would bring the two together.
    """
    _correct(
        store_path, model, no_cache, lambda store: separate_articles(store, first, second, note)
    )


@click.command()
@click.argument("event", type=click.IntRange(min=1), required=False)
@_store_option
@_note_option
def undo(
    event: int | None, store_path: str, model: str | None, no_cache: bool, note: str | None
) -> None:
    """Take back the correction numbered EVENT (default: the latest still standing).

    The stories go back to what they were before it; articles added since stay where they
    were placed.
    """
    _correct(store_path, model, no_cache, lambda store: undo_correction(store, event, note))
