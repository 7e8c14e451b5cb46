"""What every command shares: error handling, the progress bar and the clustering options."""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import click
import pandas as pd

from clustering import ClusterSettings, ModelSettings, cluster_paths, load_articles
from clustering.cli.numbers import ByteSize, Number
from clustering.errors import InputError, InputWarning, OutputError, SettingsError
from clustering.evidence import SMALL_BATCH
from clustering.grouping import DEFAULT_MIN_PROBABILITY, ClusterResult
from clustering.output import printable
from clustering.pipeline import Engine
from clustering.progress import bar
from clustering.reading import (
    CLUSTER_SIZE,
    COUNT,
    DEFAULT_MAX_ARTICLE_BYTES,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_INPUT_BYTES,
    DEFAULT_TIMEOUT,
    DISTANCE,
    PROBABILITY,
    STDIN,
    STDIN_FORMATS,
    TIMEOUT,
    Fetcher,
    ReadOptions,
)
from clustering.scale import EngineError
from clustering.store import StoreError
from embeddings import DEFAULT_MODEL, EmbedderError


class UsageFailure(click.ClickException):
    """A one-line ``Error: …`` and exit code 2, for bad input and unusable models."""

    exit_code = 2

    def format_message(self) -> str:
        """The message with control characters escaped: input cannot drive the terminal."""
        return printable(self.message)


@contextmanager
def errors() -> Iterator[None]:
    """Turn library errors about input, models and engines into :class:`UsageFailure`.

    Input warnings (an article cut to the size limit) become ``Warning: …`` lines on stderr.
    """
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as recorded:
            caught = recorded
            warnings.simplefilter("always", InputWarning)
            yield
    except (InputError, OutputError, SettingsError, EmbedderError, EngineError, StoreError) as exc:
        raise UsageFailure(str(exc)) from exc
    finally:  # outside the recording, or showing a warning would record it again, forever
        for warning in caught:
            if issubclass(warning.category, InputWarning):
                click.echo(f"Warning: {warning.message}", err=True)
            else:
                warnings.showwarning(
                    warning.message, warning.category, warning.filename, warning.lineno
                )


def progress_bar() -> AbstractContextManager[Callable[[int, int], None]]:
    """The library's embedding bar: on a terminal's stderr only (``SAMESTORY_PROGRESS=0``: off)."""
    return bar("Embedding", "texts")


#: ``--pair-model FILE``: a pair model written by ``samestory calibrate``.
pair_model_option = click.option(
    "--pair-model",
    type=click.Path(dir_okay=False, path_type=str),
    help="A pair model written by 'samestory calibrate' for --model: P(same story) comes "
    "from it [default: the one shipped for the model, if any].",
)


def _model_options(default_model: str) -> list[Callable[..., Any]]:
    return [
        click.option(
            "--model",
            default=default_model,
            show_default=True,
            help="'use', 'e5', 'e5-story', or a sentence-transformers model name or path "
            "(see 'samestory models').",
        ),
        click.option(
            "--no-cache", is_flag=True, help="Do not read or write the on-disk vector cache."
        ),
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False, path_type=str),
            help="Vector cache folder [default: $SAMESTORY_CACHE_DIR or ~/.cache/samestory].",
        ),
    ]


_CLUSTER_OPTIONS = [
    click.option(
        "--min-probability",
        type=Number(PROBABILITY),
        default=DEFAULT_MIN_PROBABILITY,
        show_default=True,
        help="Two articles may share a story only when P(same story) is at least this "
        "(models with a pair model: use, or any with --pair-model).",
    ),
    click.option(
        "--max-distance",
        type=Number(DISTANCE),
        help="For models without a pair model (e5, sentence-transformers): the cosine "
        "distance beyond which two articles are never the same story [default: the "
        "model's own, 0.08 for e5]. Refused with a pair model: use --min-probability.",
    ),
    click.option(
        "--min-cluster-size",
        type=Number(CLUSTER_SIZE),
        default=2,
        show_default=True,
        help="HDBSCAN min_cluster_size.",
    ),
    pair_model_option,
    click.option(
        "--second-model",
        type=click.Choice(["auto", "e5", "e5-story", "none"]),
        default="auto",
        show_default=True,
        help="The evidence cascade's second model, for articles with a body, headlines of "
        "small batches and of languages --model does not cover: 'auto' is e5 where a pair "
        "model for it ships (with use), 'e5' insists on it, 'e5-story' is the e5 tuned for "
        "stories, 'none' turns it off (faster, weaker there).",
    ),
    click.option(
        "--second-up-to",
        type=Number(COUNT),
        default=SMALL_BATCH,
        show_default=True,
        help="Batches of at most this many articles give every headline the second model's "
        "vector. Larger values help big batches too, at several times the time "
        "(benchmarks/RESULTS.md).",
    ),
]


def _with_settings(
    command: Callable[..., None],
    options: list[Callable[..., Any]],
    make: Callable[..., object],
    keyword: str = "settings",
) -> Callable[..., None]:
    """Add ``options`` to ``command`` and pass ``make(their values)`` on as ``keyword``."""
    names = list(inspect.signature(make).parameters)

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        settings = make(**{name: kwargs.pop(name) for name in names})
        command(*args, **{keyword: settings}, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def _model_settings(model: str, no_cache: bool, cache_dir: str | None) -> ModelSettings:
    return ModelSettings(model, cache=not no_cache, cache_dir=cache_dir)


def _cluster_settings(
    model: str,
    no_cache: bool,
    cache_dir: str | None,
    min_probability: float,
    max_distance: float | None,
    min_cluster_size: int,
    pair_model: str | None,
    second_model: str,
    second_up_to: int,
) -> ClusterSettings:
    return ClusterSettings(
        model,
        cache=not no_cache,
        cache_dir=cache_dir,
        min_probability=min_probability,
        max_distance=max_distance,
        min_cluster_size=min_cluster_size,
        pair_model=pair_model,
        second_model=None if second_model == "none" else second_model,
        second_up_to=second_up_to,
    )


def model_options(default_model: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Add the model and cache options, passed on as ``settings`` (:class:`ModelSettings`)."""
    return lambda command: _with_settings(command, _model_options(default_model), _model_settings)


def cluster_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the model, cache and clusterer options, passed on as ``settings``."""
    options = [*_model_options(DEFAULT_MODEL), *_CLUSTER_OPTIONS]
    return _with_settings(command, options, _cluster_settings)


_INPUT_OPTIONS = [
    click.option(
        "--input-format",
        type=click.Choice(STDIN_FORMATS),
        help="How '-' (standard input) is read: JSON lines, CSV, or one text or HTML "
        "article [default: jsonl when it starts with '{', csv when its first line is a header "
        "naming an id, title or text column, else one article; else CSV where a table is "
        "read, as --pairs].",
    ),
    click.option(
        "--max-input-bytes",
        type=ByteSize(),
        default=DEFAULT_MAX_INPUT_BYTES,
        show_default="256M",
        help="The largest input file (or standard input): a larger one is a bad input. "
        "Suffixes k, M, G, T.",
    ),
    click.option(
        "--max-article-bytes",
        type=ByteSize(),
        default=DEFAULT_MAX_ARTICLE_BYTES,
        show_default="128k",
        help="An article's title or text longer than this (in UTF-8) is cut to it, with a "
        "warning; time grows with it (benchmarks/big_article_bench.py). "
        "Suffixes k, M, G, T.",
    ),
]


def input_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add --input-format and the size limits, passed on as ``reading`` (ReadOptions).

    Every command that reads articles takes these, and reads with :func:`read_inputs`,
    :func:`cluster_inputs` or the loaders with ``reading``.
    """
    return _with_settings(command, _INPUT_OPTIONS, ReadOptions, "reading")


def skip_bad_option(
    help: str = "Skip bad inputs and list them on stderr instead of failing.",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--skip-bad``, passed on as ``skip_bad``, for commands that can leave bad inputs out."""
    return click.option("--skip-bad", is_flag=True, help=help)


def check_stdin_once(*sources: str | None) -> None:
    """A :class:`UsageFailure` when ``-`` (standard input) is given for more than one input."""
    if sum(source == STDIN for source in sources) > 1:
        raise UsageFailure("'-' (standard input) can be read once: give it for one input only")


def read_inputs(paths: Sequence[str], skip_bad: bool, reading: ReadOptions) -> pd.DataFrame:
    """The article table of ``paths`` read as ``reading`` says; bad inputs fail in one line.

    With ``skip_bad`` they are left out and listed on stderr instead.
    """
    check_stdin_once(*paths)
    with errors():
        loaded = load_articles(paths, skip_bad=skip_bad, reading=reading)
    report_skipped(loaded.skipped, len(loaded.articles))
    return loaded.articles


def report_skipped(skipped: list[InputError], kept: int) -> None:
    """List the inputs ``--skip-bad`` left out, on stderr."""
    for problem in skipped:
        click.echo(f"Skipped: {printable(str(problem))}", err=True)
    if skipped:
        click.echo(f"{len(skipped)} inputs skipped, {kept} articles kept", err=True)


def format_option(
    choices: Sequence[str], default: str, help: str | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The ``--format`` option of a command, passed on as ``fmt``."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help=help,
    )


def fetch_options(
    make: Callable[[int, float], Fetcher] = Fetcher,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``--max-feed-bytes`` and ``--fetch-timeout``, passed on as ``fetcher=make(bytes, s)``."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(command)
        def wrapper(*args: Any, max_feed_bytes: int, fetch_timeout: float, **kwargs: Any) -> None:
            command(*args, fetcher=make(max_feed_bytes, fetch_timeout), **kwargs)

        wrapper = click.option(
            "--fetch-timeout",
            type=Number(TIMEOUT),
            default=DEFAULT_TIMEOUT,
            show_default=True,
            help="Seconds one feed URL may take in all: connecting, redirects, headers, body "
            "(above 0, at most 3600).",
        )(wrapper)
        return click.option(
            "--max-feed-bytes",
            type=ByteSize(),
            default=DEFAULT_MAX_BYTES,
            show_default=True,
            help="Refuse a feed URL whose body (after gzip decoding) is larger. "
            "Suffixes k, M, G, T.",
        )(wrapper)

    return decorate


def cluster_inputs(
    paths: tuple[str, ...],
    skip_bad: bool,
    settings: ClusterSettings,
    engine: Engine = "local",
    scheduler: str | None = None,
    fetcher: Fetcher | None = None,
    reading: ReadOptions | None = None,
) -> ClusterResult:
    """Cluster ``paths`` (see :func:`clustering.cluster_paths`); list skipped inputs.

    A progress bar shows on a terminal.
    """
    check_stdin_once(*paths)
    with errors(), progress_bar() as progress:
        result = cluster_paths(
            paths,
            skip_bad=skip_bad,
            progress=progress,
            fetcher=fetcher,
            reading=reading,
            settings=settings,
            engine=engine,
            scheduler=scheduler,
        )
    report_skipped(result.skipped, len(result.articles))
    return result
