"""``samestory serve``: the editor's desk, a local web page over a story store."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import click

from clustering import StoryStore
from clustering.cli.common import UsageFailure, errors, fetch_options, input_options
from clustering.reading import Fetcher, ReadOptions
from clustering.store import store_embedder

INSTALL_HINT = "samestory serve needs the desk extra: pip install 'samestory[desk]'"


@click.command()
@click.option(
    "--store",
    "store_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="The SQLite story store (--watch creates it when missing).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=8750, show_default=True)
@click.option(
    "--token",
    help="A secret every request must carry (needed to bind anything but a loopback address); "
    "open the desk once with ?token=… and a cookie keeps it.",
)
@click.option("--read-only", is_flag=True, help="Serve the pages without the corrections.")
@click.option("--since", type=click.DateTime(), help="List only stories active at or after.")
@click.option(
    "--watch",
    "watched",
    multiple=True,
    metavar="SOURCE",
    help="Also poll SOURCE into the store, as `watch` does (repeat for more).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.0),
    default=60.0,
    show_default=True,
    help="Seconds between polls of the --watch sources.",
)
@click.option("--model", help="Embedding model [default: the store's own].")
@click.option("--no-cache", is_flag=True, help="Do not read or write the on-disk vector cache.")
@fetch_options()
@input_options
def serve(
    store_path: str,
    host: str,
    port: int,
    token: str | None,
    read_only: bool,
    since: Any,
    watched: tuple[str, ...],
    interval: float,
    model: str | None,
    no_cache: bool,
    fetcher: Fetcher,
    reading: ReadOptions,
) -> None:
    """Serve the desk over the story store: stories as they form, and corrections.

    The story list (most recently active first, with search and a language filter), each
    story's members, timeline and history, and split, merge, separate and undo as forms.
    Articles that `add` or `watch` store appear without a reload. Binds 127.0.0.1; any
    other address needs --token. Cron can feed it:
    */5 * * * * samestory add --store desk.db https://example.org/feed.xml
    """
    try:
        import uvicorn

        from clustering.desk import BindError, Desk, Watcher, check_bind, make_app
    except ImportError as exc:
        raise UsageFailure(f"{INSTALL_HINT} ({exc.name} is missing)") from exc
    try:
        check_bind(host, token)
    except BindError as exc:
        raise UsageFailure(str(exc)) from exc
    path = Path(store_path)
    with errors():
        embedder = store_embedder(path, model, read_only=not watched, cache=not no_cache)
        if watched:
            StoryStore(path, embedder).close()  # made now, if missing, before the page opens
        elif not path.is_file():
            raise UsageFailure(f"{path}: no such story store (add to it first, or give --watch)")
    desk = Desk(path, embedder, read_only=read_only, since=since.isoformat() if since else "")
    if watched:
        desk.watcher = Watcher(path, embedder, desk.assigner, watched, interval, fetcher, reading)
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{port}/" + ("?token=…" if token else "")
    click.echo(f"The desk is at {address} (Ctrl-C stops it).", err=True)
    config = uvicorn.Config(make_app(desk, token=token), host=host, port=port, log_level="warning")

    class Server(uvicorn.Server):
        """Ends the pages' live streams at Ctrl-C, so that shutting down waits for nothing."""

        def handle_exit(self, sig: int, frame: Any) -> None:
            desk.closing.set()
            super().handle_exit(sig, frame)

    with contextlib.suppress(KeyboardInterrupt):  # uvicorn raises it again once shut down
        Server(config).run()
    click.echo("Stopped.", err=True)
