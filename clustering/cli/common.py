"""What every command shares: error handling, the progress bar and the clustering options."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import click
import pandas as pd

from clustering.errors import InputError, InputWarning, SettingsError
from clustering.evidence.cascade import SMALL_BATCH
from clustering.evidence.model import PairModel, read_pair_model
from clustering.grouping.clusterer import DEFAULT_MIN_PROBABILITY, StoryClusterer
from clustering.grouping.result import ClusterResult
from clustering.output.files import output_problem, write_atomically
from clustering.output.terminal import printable
from clustering.pipeline import cluster_paths
from clustering.progress import bar
from clustering.reading.fetch import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Fetcher
from clustering.reading.limits import (
    DEFAULT_MAX_ARTICLE_BYTES,
    DEFAULT_MAX_INPUT_BYTES,
    STDIN,
    STDIN_FORMATS,
    ReadOptions,
)
from clustering.reading.loaders import load_articles
from clustering.scale.distributed import EngineError, cluster_paths_on_dask
from clustering.store.assign import Assigner
from clustering.store.database import StoreError
from clustering.store.opening import store_embedder
from clustering.store.store import StoryStore
from embeddings import DEFAULT_MODEL, Embedder, EmbedderError, make_embedder


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
    except (InputError, SettingsError, EmbedderError, EngineError, StoreError) as exc:
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


@dataclass(frozen=True)
class ModelSettings:
    """The model and cache options of a command."""

    model: str
    no_cache: bool
    cache_dir: str | None

    def embedder(self) -> Embedder:
        """The embedder these settings ask for, cached unless ``--no-cache``."""
        return make_embedder(self.model, cache=not self.no_cache, cache_dir=self.cache_dir)


@dataclass(frozen=True)
class ClusterSettings(ModelSettings):
    """The model, cache and clusterer options of a command."""

    min_probability: float
    max_distance: float | None
    min_cluster_size: int
    pair_model: str | None
    second_model: str
    second_up_to: int

    def clusterer_params(self) -> dict[str, Any]:
        """Keyword arguments for :class:`~clustering.StoryClusterer` (reads ``--pair-model``)."""
        params: dict[str, Any] = {
            "min_probability": self.min_probability,
            "max_distance": self.max_distance,
            "min_cluster_size": self.min_cluster_size,
            "second_model": None if self.second_model == "none" else self.second_model,
            "second_up_to": self.second_up_to,
        }
        if self.pair_model is not None:
            params["pair_model"] = load_pair_model(self.pair_model)
        return params


#: ``--pair-model FILE``: a pair model written by ``samestory calibrate``.
pair_model_option = click.option(
    "--pair-model",
    type=click.Path(dir_okay=False, path_type=str),
    help="A pair model written by 'samestory calibrate' for --model: P(same story) comes "
    "from it [default: the one shipped for the model, if any].",
)


def load_pair_model(path: str | None, embedder: Embedder | None = None) -> PairModel | None:
    """The pair model in ``path`` (None without one), checked against ``embedder`` if given.

    A file that is not a pair model, or one made for another model, is a
    :class:`UsageFailure`.
    """
    if path is None:
        return None
    with errors():
        pair_model = read_pair_model(path)
        if embedder is not None:
            pair_model.check_embedder(embedder)
    return pair_model


def _model_options(default_model: str) -> list[Callable[..., Any]]:
    return [
        click.option(
            "--model",
            default=default_model,
            show_default=True,
            help="'use', 'e5', or a sentence-transformers model name or path "
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
        type=click.FloatRange(0.0, 1.0),
        default=DEFAULT_MIN_PROBABILITY,
        show_default=True,
        help="Two articles may share a story only when P(same story) is at least this "
        "(models with a pair model: use, or any with --pair-model).",
    ),
    click.option(
        "--max-distance",
        type=click.FloatRange(0.0, 2.0),
        help="For models without a pair model (e5, sentence-transformers): the cosine "
        "distance beyond which two articles are never the same story [default: the "
        "model's own, 0.08 for e5]. Refused with a pair model: use --min-probability.",
    ),
    click.option(
        "--min-cluster-size",
        type=click.IntRange(2),
        default=2,
        show_default=True,
        help="HDBSCAN min_cluster_size.",
    ),
    pair_model_option,
    click.option(
        "--second-model",
        type=click.Choice(["auto", "e5", "none"]),
        default="auto",
        show_default=True,
        help="The evidence cascade's second model, for headlines of small batches and of "
        "languages --model does not cover: 'auto' is e5 where a pair model for it ships "
        "(with use), 'e5' insists on it, 'none' turns it off (faster, weaker there).",
    ),
    click.option(
        "--second-up-to",
        type=click.IntRange(0),
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
    settings_type: type,
    keyword: str = "settings",
) -> Callable[..., None]:
    """Add ``options`` to ``command`` and pass their values on as one object, ``keyword``."""
    names = [field.name for field in fields(settings_type)]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        settings = settings_type(**{name: kwargs.pop(name) for name in names})
        command(*args, **{keyword: settings}, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def model_options(default_model: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Add the model and cache options, passed on as ``settings`` (:class:`ModelSettings`)."""
    return lambda command: _with_settings(command, _model_options(default_model), ModelSettings)


def cluster_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the model, cache and clusterer options, passed on as ``settings``."""
    options = [*_model_options(DEFAULT_MODEL), *_CLUSTER_OPTIONS]
    return _with_settings(command, options, ClusterSettings)


class ByteSize(click.ParamType):
    """A number of bytes: an integer, or one with a suffix k, M or G (powers of 1024)."""

    name = "bytes"
    units: ClassVar[dict[str, int]] = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        """The number of bytes ``value`` says, at least 1."""
        if isinstance(value, int):
            return value
        text = str(value).strip()
        unit = text[-1:].lower() if text[-1:].isalpha() else ""
        try:
            size = int(text[: len(text) - len(unit)]) * self.units[unit]
        except (KeyError, ValueError):
            self.fail(f"{value!r} is not a size such as 1048576, 512k, 64M or 1G", param, ctx)
        if size < 1:
            self.fail(f"{value!r} is not a positive size", param, ctx)
        return size


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
        "Suffixes k, M, G.",
    ),
    click.option(
        "--max-article-bytes",
        type=ByteSize(),
        default=DEFAULT_MAX_ARTICLE_BYTES,
        show_default="128k",
        help="An article's title or text longer than this (in UTF-8) is cut to it, with a "
        "warning; time grows with it (benchmarks/big_article_bench.py). Suffixes k, M, G.",
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


def _check_output(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """``-o`` checked before any work: a path that cannot be written is one line, exit 2."""
    problem = None if value == "-" else output_problem(value)
    if problem:
        raise UsageFailure(f"{value}: cannot write: {problem}")
    return value


#: ``-o/--output FILE``, standard output by default; give the value to :func:`write_output`.
output_option = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=str),
    default="-",
    callback=_check_output,
    help="Write here instead of standard output (the whole file or, on error, nothing).",
)


def write_output(output: str, text: str) -> None:
    """``text`` to standard output (``-``) or atomically to the file ``output``.

    A file that cannot be written (full disk, no permission) is a :class:`UsageFailure`
    and leaves any previous file as it was.
    """
    if output == "-":
        with click.open_file("-", "w", encoding="utf-8") as stream:
            stream.write(text)
        return
    try:
        write_atomically(output, text)
    except OSError as exc:
        raise UsageFailure(f"{output}: cannot write: {exc.strerror or exc}") from exc


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
            type=click.FloatRange(min=0.0, min_open=True),
            default=DEFAULT_TIMEOUT,
            show_default=True,
            help="Seconds one feed URL may take in all: connecting, redirects, headers, body.",
        )(wrapper)
        return click.option(
            "--max-feed-bytes",
            type=click.IntRange(min=1),
            default=DEFAULT_MAX_BYTES,
            show_default=True,
            help="Refuse a feed URL whose body (after gzip decoding) is larger.",
        )(wrapper)

    return decorate


def cluster_inputs(
    paths: tuple[str, ...],
    skip_bad: bool,
    settings: ClusterSettings,
    engine: str = "local",
    scheduler: str | None = None,
    fetcher: Fetcher | None = None,
    reading: ReadOptions | None = None,
) -> ClusterResult:
    """Cluster ``paths`` (read as ``reading`` says) as ``settings`` say; list skipped inputs.

    A progress bar shows on a terminal. ``engine`` "dask" embeds and clusters on Dask
    workers (at ``scheduler``, or a LocalCluster). Feed URLs are fetched by ``fetcher``.
    """
    check_stdin_once(*paths)
    with errors(), progress_bar() as progress:
        if engine == "dask":
            result = cluster_paths_on_dask(
                paths,
                scheduler=scheduler,
                skip_bad=skip_bad,
                fetcher=fetcher,
                reading=reading,
                model=settings.model,
                cache=not settings.no_cache,
                cache_dir=settings.cache_dir,
                progress=progress,
                **settings.clusterer_params(),
            )
        else:
            result = cluster_paths(
                paths,
                embedder=settings.embedder(),
                skip_bad=skip_bad,
                fetcher=fetcher,
                progress=progress,
                reading=reading,
                **settings.clusterer_params(),
            )
    report_skipped(result.skipped, len(result.articles))
    return result


def open_store(
    path: str,
    model: str | None,
    cache: bool,
    pair_model: str | None = None,
    read_only: bool = False,
    cache_dir: str | None = None,
) -> StoryStore:
    """Open the story store at ``path`` with its own model (or ``model``, if of its family).

    With ``pair_model`` (a file), new articles are clustered with it instead of the
    shipped one. A store that cannot be used is a :class:`UsageFailure`.
    """
    with errors():
        embedder = store_embedder(
            path, model, read_only=read_only, cache=cache, cache_dir=cache_dir
        )
        loaded = load_pair_model(pair_model, embedder)
        assigner = None
        if loaded is not None:
            assigner = Assigner(clusterer=StoryClusterer(embedder=embedder, pair_model=loaded))
        return StoryStore(path, embedder, assigner, read_only=read_only)
