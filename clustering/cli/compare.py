"""``samestory compare``: how alike two articles are, or a similarity for every pair of a table."""

from __future__ import annotations

import json

import click

from clustering import ModelSettings
from clustering.cli.common import (
    check_stdin_once,
    errors,
    format_option,
    input_options,
    model_options,
    pair_model_option,
    progress_bar,
)
from clustering.cli.outputs import output_option, write_output
from clustering.evidence import COMPARE_MODEL, Comparison, PairExplanation
from clustering.output import printable
from clustering.pipeline import compare_paths, score_pair_file
from clustering.reading import ReadOptions

#: Evidence that moved the log-odds by less than this is left out of the text block.
SHOWN_CONTRIBUTION = 0.05


def render_explanation(explanation: PairExplanation) -> list[str]:
    """P(same story) and the evidence that moved it, largest first, as aligned lines."""
    lines = [
        f"P(same story)         {explanation.probability:.3f}  "
        f"({explanation.model}, as cluster scores the pair)"
    ]
    label = "evidence"
    for term in sorted(explanation.terms, key=lambda t: -abs(t.contribution)):
        if abs(term.contribution) >= SHOWN_CONTRIBUTION:
            lines.append(f"{label:<22}{term.contribution:+.2f}  {term.words} ({term.value:.2f})")
            label = ""
    lines.append(f"{label:<22}{explanation.intercept:+.2f}  (where every pair starts)")
    return lines


def render_comparison(comparison: Comparison, explanation: PairExplanation) -> str:
    """The evidence as a small aligned block: P(same story), the one number, and its evidence.

    Then what the compare model sees of the pair (cosine, word overlap, names, time gap,
    languages). Control characters of ids and titles are shown escaped.
    """
    entities = ", ".join(f"{a} = {b}" if a != b else a for a, b in comparison.shared_entities)
    gap = comparison.time_gap_hours
    langs = ", ".join(lang or "unknown" for lang in comparison.languages)
    first, second = comparison.ids
    lines = [
        *render_explanation(explanation),
        f"embedding similarity  {comparison.embedding_similarity:.3f}",
        f"lexical overlap       {comparison.lexical_overlap:.3f}",
        f"shared entities       {entities or 'none'}",
        f"time gap              {'unknown (a date is missing)' if gap is None else f'{gap:.1f} h'}",
        f"languages             {langs}",
        f"A                     {first}: {comparison.titles[0]}",
        f"B                     {second}: {comparison.titles[1]}",
    ]
    return "\n".join(printable(line) for line in lines) + "\n"


@click.command()
@click.argument("articles", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--pairs",
    type=click.Path(dir_okay=False, path_type=str),
    help="Score every row of this CSV (or TSV, JSONL, Parquet) file instead of two articles.",
)
@click.option("--left", help="With --pairs: the column with the first text of each pair.")
@click.option("--right", help="With --pairs: the column with the second text of each pair.")
@click.option(
    "--left-lang", help="With --pairs: the first text's language column [default: detected]."
)
@click.option(
    "--right-lang", help="With --pairs: the second text's language column [default: detected]."
)
@format_option(
    ["text", "json"],
    "text",
    "For two articles: the evidence block or JSON (--pairs always writes CSV).",
)
@output_option()
@pair_model_option
@input_options
@model_options(COMPARE_MODEL)
def compare(
    articles: tuple[str, ...],
    pairs: str | None,
    left: str | None,
    right: str | None,
    left_lang: str | None,
    right_lang: str | None,
    fmt: str,
    output: str,
    pair_model: str | None,
    reading: ReadOptions,
    settings: ModelSettings,
) -> None:
    """How likely two articles A B report the same story, with the evidence.

    Prints one number, P(same story), as `cluster` scores the pair (the default model's
    pair models, or --pair-model FILE with its --model), with the evidence that moved it;
    then the embedding similarity (--model), the lexical overlap, the names both mention,
    the time gap and the languages. With --pairs FILE --left COL --right COL, writes FILE
    as CSV with `similarity` (for rated pairs; calibrated for --model e5, its default) and
    `same_story_probability` columns added. '-' (standard input) may stand for A, B or the
    --pairs FILE.
    """
    if pairs is None and len(articles) != 2:
        raise click.UsageError("give two articles A B, or --pairs FILE --left COL --right COL")
    if pairs is not None and (articles or not left or not right):
        raise click.UsageError("--pairs needs --left and --right and no article paths")
    if pairs is not None and pair_model is not None:
        raise click.UsageError("--pair-model scores two articles, not --pairs")
    check_stdin_once(*articles)
    with errors():
        if pairs is not None:
            with progress_bar() as progress:
                text = score_pair_file(
                    pairs,
                    left or "",
                    right or "",
                    left_lang,
                    right_lang,
                    settings,
                    reading,
                    progress,
                )
            write_output(output, text)
            return
        comparison, explanation = compare_paths(articles, settings, pair_model, reading)
    if fmt == "json":
        payload = {k: v for k, v in comparison.as_dict().items() if k != "similarity"}
        payload["same_story_probability"] = explanation.probability
        payload["pair_model"] = explanation.model
        payload["evidence"] = explanation.table().to_dict("records")
        write_output(output, json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:
        write_output(output, render_comparison(comparison, explanation))
