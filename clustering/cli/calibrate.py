"""``samestory calibrate``: fit a pair model for any embedder, from labelled articles or pairs."""

from __future__ import annotations

import click

from clustering import Calibration, ModelSettings, calibrate_pair_file, calibrate_table
from clustering.cli.common import (
    errors,
    input_options,
    model_options,
    progress_bar,
    read_inputs,
    skip_bad_option,
)
from clustering.cli.outputs import output_option, write_output
from clustering.reading import ReadOptions
from embeddings import DEFAULT_MODEL


def render_calibration(calibration: Calibration, target: str) -> str:
    """The pairs used, the fitted weights and the in-sample precision and recall."""
    model = calibration.pair_model
    left_out = f", {calibration.left_out} left out" if calibration.left_out else ""
    lines = [
        f"pair model for {model.model} ({model.dimensions}-d vectors)",
        f"pairs      {calibration.same} same story, {calibration.different} different{left_out}",
        "weights",
        *(
            f"  {name:<16} {weight:+.4f}"
            for name, weight in zip(model.features, model.coef, strict=True)
        ),
        f"  {'intercept':<16} {model.intercept:+.4f}",
        f"in-sample  pair precision {calibration.precision:.3f}, recall "
        f"{calibration.recall:.3f} (P >= 0.5)",
        f"wrote {target}",
    ]
    return "\n".join(lines) + "\n"


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--gold", default="story", show_default=True, help="With PATHS: the gold story column."
)
@click.option(
    "--pairs",
    type=click.Path(dir_okay=False, path_type=str),
    help="Calibrate on the rated text pairs of this CSV (or TSV, JSONL, Parquet) file.",
)
@click.option(
    "--label",
    help="With --pairs: a column of 0/1 or true/false (1 = same story) [default: the "
    "SemEval 'Overall' rating, 1 = same story .. 4 = unrelated: <= 1.5 same, >= 3 "
    "different, the rest left out].",
)
@click.option("--left", default="text1", show_default=True, help="With --pairs: first text.")
@click.option("--right", default="text2", show_default=True, help="With --pairs: second text.")
@click.option("--left-lang", help="With --pairs: first language [default: lang1, or detected].")
@click.option("--right-lang", help="With --pairs: second language [default: lang2, or detected].")
@output_option("Write the pair model (JSON) here, for --pair-model.", required=True)
@skip_bad_option("With PATHS: skip bad inputs, list them on stderr and calibrate on the rest.")
@input_options
@model_options(DEFAULT_MODEL)
def calibrate(
    paths: tuple[str, ...],
    gold: str,
    pairs: str | None,
    label: str | None,
    left: str,
    right: str,
    left_lang: str | None,
    right_lang: str | None,
    output: str,
    skip_bad: bool,
    reading: ReadOptions,
    settings: ModelSettings,
) -> None:
    """Fit a pair model (P(same story)) for --model from story-labelled articles or pairs.

    PATHS are articles with a gold story in column --gold (anything `cluster` reads); or
    --pairs FILE holds rated pairs of texts ('-' is standard input in either). `cluster`,
    `add` and `compare` use the model written to -o with --pair-model FILE and the same
    --model.
    """
    if bool(paths) == bool(pairs):
        raise click.UsageError("give articles PATHS with --gold, or --pairs FILE")
    if pairs and skip_bad:
        raise click.UsageError("--skip-bad skips bad articles of PATHS, not rows of --pairs")
    articles = read_inputs(paths, skip_bad, reading) if paths else None
    with errors(), progress_bar() as progress:
        embedder = settings.embedder()
        if articles is None:
            calibration = calibrate_pair_file(
                str(pairs), embedder, label, left, right, left_lang, right_lang, progress, reading
            )
        else:
            calibration = calibrate_table(articles, embedder, gold, progress)
    write_output(output, calibration.pair_model.to_json())
    click.echo(render_calibration(calibration, output), nl=False)
