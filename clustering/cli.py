"""The ``samestory`` command line: parse options, make one library call, print."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from clustering.errors import InputError
from clustering.formats import FORMATS, render
from clustering.pipeline import cluster_paths, make_embedder
from embeddings import DEFAULT_MODEL, EmbedderError, list_models

_PROGRESS_MIN = 200


class UsageFailure(click.ClickException):
    """A one-line ``Error: …`` and exit code 2, for bad input and unusable models."""

    exit_code = 2


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except (InputError, EmbedderError) as exc:
        raise UsageFailure(str(exc)) from exc


@contextmanager
def _progress() -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr, shown once there are enough texts to embed."""
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if total < _PROGRESS_MIN:
            return
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label="Embedding", file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(done - state.get("done", 0))
        state["done"] = done

    try:
        yield update
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="samestory")
def main() -> None:
    """Find the same news story across languages."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table: one line per story; jsonl/csv: one row per article; json: stories with members.",
)
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="Write here instead of standard output.",
)
@click.option(
    "--model",
    default=DEFAULT_MODEL,
    show_default=True,
    help="'use', 'e5', or a sentence-transformers model name or path (see 'samestory models').",
)
@click.option(
    "--skip-bad", is_flag=True, help="Skip bad inputs and report them instead of failing."
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the on-disk vector cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=str),
    help="Vector cache folder [default: $SAMESTORY_CACHE_DIR or ~/.cache/samestory].",
)
@click.option(
    "--max-distance",
    type=click.FloatRange(0.0, 2.0),
    help="Cosine distance beyond which two articles are never the same story "
    "[default: the model's own: 0.5 for use, 0.08 for e5].",
)
@click.option(
    "--min-cluster-size",
    type=click.IntRange(2),
    default=2,
    show_default=True,
    help="HDBSCAN min_cluster_size.",
)
def cluster(
    paths: tuple[str, ...],
    fmt: str,
    output: Any,
    model: str,
    skip_bad: bool,
    no_cache: bool,
    cache_dir: str | None,
    max_distance: float | None,
    min_cluster_size: int,
) -> None:
    """Group the articles in PATHS into stories.

    PATHS are directories of .txt/.md/.html files (ids are file names) and JSONL, CSV, TSV
    or Parquet files (one article per row).
    """
    with _errors(), _progress() as progress:
        result = cluster_paths(
            paths,
            embedder=make_embedder(model, cache=not no_cache, cache_dir=cache_dir),
            skip_bad=skip_bad,
            progress=progress,
            max_distance=max_distance,
            min_cluster_size=min_cluster_size,
        )
    for problem in result.skipped:
        click.echo(f"Skipped: {problem}", err=True)
    if result.skipped:
        click.echo(
            f"{len(result.skipped)} inputs skipped, {len(result.articles)} articles kept", err=True
        )
    output.write(render(result.articles, result.stories, fmt))


@main.command()
def models() -> None:
    """List the bundled models; any sentence-transformers model path works too."""
    for name, description in list_models().items():
        marker = " (default)" if name == DEFAULT_MODEL else ""
        click.echo(f"{name}{marker}: {description}")


if __name__ == "__main__":  # pragma: no cover
    main()
