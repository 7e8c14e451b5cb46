"""``samestory compare``: how alike two articles are, or a similarity for every pair of a table."""

from __future__ import annotations

import json
from typing import Any

import click
import pandas as pd

from clustering.cli.common import (
    ModelSettings,
    errors,
    format_option,
    load_pair_model,
    model_options,
    output_option,
    pair_model_option,
    progress_bar,
)
from clustering.errors import InputError
from clustering.evidence.compare import (
    COMPARE_MODEL,
    Comparison,
    compare_articles,
    same_story_probability,
    score_pairs,
)
from clustering.output.pairs import read_pairs, write_pairs
from clustering.reading.loaders import load_articles


def render_comparison(comparison: Comparison, probability: float | None = None) -> str:
    """The evidence as a small aligned block; ``probability`` is a pair model's P."""
    entities = ", ".join(f"{a} = {b}" if a != b else a for a, b in comparison.shared_entities)
    gap = comparison.time_gap_hours
    langs = ", ".join(lang or "unknown" for lang in comparison.languages)
    first, second = comparison.ids
    lines = [
        f"similarity            {comparison.similarity:.3f}  (0 unrelated .. 1 same story)",
        *(
            []
            if probability is None
            else [f"P(same story)         {probability:.3f}  (pair model)"]
        ),
        f"embedding similarity  {comparison.embedding_similarity:.3f}",
        f"lexical overlap       {comparison.lexical_overlap:.3f}",
        f"shared entities       {entities or 'none'}",
        f"time gap              {'unknown (a date is missing)' if gap is None else f'{gap:.1f} h'}",
        f"languages             {langs}",
        f"A                     {first}: {comparison.titles[0]}",
        f"B                     {second}: {comparison.titles[1]}",
    ]
    return "\n".join(lines) + "\n"


def _one_article(path: str) -> pd.DataFrame:
    """The article table of a path that must hold exactly one article."""
    articles = load_articles([path]).articles
    if len(articles) != 1:
        raise InputError(path, f"holds {len(articles)} articles; compare needs one per path")
    return articles


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
@output_option
@pair_model_option
@model_options(COMPARE_MODEL)
def compare(
    articles: tuple[str, ...],
    pairs: str | None,
    left: str | None,
    right: str | None,
    left_lang: str | None,
    right_lang: str | None,
    fmt: str,
    output: Any,
    pair_model: str | None,
    settings: ModelSettings,
) -> None:
    """How likely two articles A B report the same story, with the evidence.

    Prints the similarity (0..1, higher = same story), the embedding similarity, the
    lexical overlap, the names both mention, the time gap (shown, not scored) and the
    languages. With --pairs FILE --left COL --right COL, writes FILE as CSV with a
    `similarity` column added. The similarity is calibrated for the default model, e5.
    With --pair-model FILE (and its --model), two articles also get P(same story) from it.
    """
    if pairs is None and len(articles) != 2:
        raise click.UsageError("give two articles A B, or --pairs FILE --left COL --right COL")
    if pairs is not None and (articles or not left or not right):
        raise click.UsageError("--pairs needs --left and --right and no article paths")
    if pairs is not None and pair_model is not None:
        raise click.UsageError("--pair-model scores two articles, not --pairs")
    with errors():
        if pairs is not None:
            table = read_pairs(pairs, left or "", right or "", left_lang, right_lang)
            with progress_bar() as progress:
                scores = score_pairs(
                    table.left,
                    table.right,
                    table.left_langs,
                    table.right_langs,
                    embedder=settings.embedder(),
                    progress=progress,
                )
            write_pairs(table, scores.similarity, output)
            return
        both = pd.concat([_one_article(path) for path in articles], ignore_index=True)
        embedder = settings.embedder()
        model = load_pair_model(pair_model, embedder)
        comparison = compare_articles(both, embedder)
        probability = None if model is None else same_story_probability(both, model, embedder)
    if fmt == "json":
        payload = comparison.as_dict()
        if probability is not None:
            payload["same_story_probability"] = probability
        output.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:
        output.write(render_comparison(comparison, probability))
