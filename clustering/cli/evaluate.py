"""``samestory evaluate``: how well stories match gold labels."""

from __future__ import annotations

import json

import click

from clustering import ClusterSettings
from clustering.cli.common import (
    check_stdin_once,
    cluster_options,
    errors,
    format_option,
    input_options,
    progress_bar,
    read_inputs,
    skip_bad_option,
)
from clustering.evaluation import Scores
from clustering.pipeline import evaluate_table
from clustering.reading import ReadOptions


def render_scores(scores: Scores) -> str:
    """The scores as a small aligned table."""
    return "\n".join(
        [
            f"articles           {scores.articles:>7}",
            f"gold stories       {scores.gold_stories:>7}",
            f"predicted stories  {scores.predicted_stories:>7}",
            "                   precision  recall      F1",
            f"BCubed               {scores.bcubed_precision:7.3f} {scores.bcubed_recall:7.3f} "
            f"{scores.bcubed_f1:7.3f}",
            f"pair counting        {scores.pair_precision:7.3f} {scores.pair_recall:7.3f} "
            f"{scores.pair_f1:7.3f}",
            f"ARI                  {scores.ari:7.3f}",
            f"NMI                  {scores.nmi:7.3f}",
            "",
        ]
    )


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--gold", "gold", required=True, help="The column holding the gold story labels.")
@click.option(
    "--labels",
    type=click.Path(dir_okay=False, path_type=str),
    help="A CSV or JSONL file with an id (or file) column and the gold column, for inputs "
    "that carry no labels themselves (e.g. a directory of articles).",
)
@click.option(
    "--predicted",
    type=click.Path(dir_okay=False, path_type=str),
    help="Score this earlier `samestory cluster --format jsonl|csv` output instead of clustering.",
)
@format_option(["table", "json"], "table")
@skip_bad_option("Skip bad inputs, list them on stderr and score the other articles.")
@input_options
@cluster_options
def evaluate(
    paths: tuple[str, ...],
    gold: str,
    labels: str | None,
    predicted: str | None,
    fmt: str,
    skip_bad: bool,
    reading: ReadOptions,
    settings: ClusterSettings,
) -> None:
    """Cluster PATHS and score the stories against the gold labels in column GOLD.

    PATHS are anything `cluster` reads ('-' is standard input). Prints BCubed,
    pair-counting precision/recall/F1, ARI and NMI.
    """
    check_stdin_once(*paths, labels, predicted)
    articles = read_inputs(paths, skip_bad, reading)
    with errors(), progress_bar() as progress:
        scores = evaluate_table(articles, gold, settings, labels, predicted, reading, progress)
    if fmt == "json":
        click.echo(json.dumps(scores.as_dict(), indent=2))
    else:
        click.echo(render_scores(scores), nl=False)
