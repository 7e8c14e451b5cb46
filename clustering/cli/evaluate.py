"""``samestory evaluate``: how well stories match gold labels."""

from __future__ import annotations

import json

import click

from clustering.cli.common import (
    ClusterSettings,
    cluster_options,
    errors,
    format_option,
    progress_bar,
)
from clustering.evaluation.metrics import Scores
from clustering.evaluation.scoring import attach_labels, evaluate_predictions, read_labels
from clustering.grouping.clusterer import StoryClusterer
from clustering.reading.loaders import load_articles


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
@cluster_options
def evaluate(
    paths: tuple[str, ...],
    gold: str,
    labels: str | None,
    predicted: str | None,
    fmt: str,
    settings: ClusterSettings,
) -> None:
    """Cluster PATHS and score the stories against the gold labels in column GOLD.

    Prints BCubed, pair-counting precision/recall/F1, ARI and NMI.
    """
    with errors():
        articles = load_articles(paths).articles
        if labels:
            articles = attach_labels(articles, read_labels(labels, gold), gold, labels)
        if predicted:
            stories = read_labels(predicted, "story")
            source = predicted
        else:
            with progress_bar() as progress:
                clusterer = StoryClusterer(
                    embedder=settings.embedder(), **settings.clusterer_params()
                )
                clusterer.fit(articles, progress=progress)
            stories = dict(zip(articles["id"], clusterer.articles_["story"], strict=True))
            source = "clustering"
        scores = evaluate_predictions(articles, gold, stories, source)
    if fmt == "json":
        click.echo(json.dumps(scores.as_dict(), indent=2))
    else:
        click.echo(render_scores(scores), nl=False)
