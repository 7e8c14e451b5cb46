"""``samestory evaluate``: scoring fresh clusterings and earlier predictions."""

from __future__ import annotations

import json

import pytest

from clustering.cli import main
from tests.conftest import SEEDS

LABELS = str(SEEDS / "labels.csv")
PERFECT = {
    "bcubed_precision": 1.0,
    "bcubed_recall": 1.0,
    "bcubed_f1": 1.0,
    "pair_precision": 1.0,
    "pair_recall": 1.0,
    "pair_f1": 1.0,
    "ari": 1.0,
    "nmi": 1.0,
    "articles": 5,
    "predicted_stories": 3,
    "gold_stories": 3,
}


def test_seeds_score_perfectly(runner):
    result = runner.invoke(main, ["evaluate", str(SEEDS), "--labels", LABELS, "--gold", "story"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "articles                 5",
        "gold stories             3",
        "predicted stories        3",
        "                   precision  recall      F1",
        "BCubed                 1.000   1.000   1.000",
        "pair counting          1.000   1.000   1.000",
        "ARI                    1.000",
        "NMI                    1.000",
    ]


def test_gold_column_of_the_input_and_an_earlier_prediction(runner, tmp_path):
    rows = [
        ("a", "Floods hit the northern province", "s1"),
        ("b", "Wildfires spread", "s2"),
        ("c", "Northern floods: rivers burst banks", "s1"),
        ("d", "Election results", "s3"),
    ]
    data = tmp_path / "data.jsonl"
    data.write_text(
        "".join(json.dumps({"id": i, "title": t, "gold": g}) + "\n" for i, t, g in rows)
    )
    predicted = tmp_path / "pred.csv"
    predicted.write_text("id,story\na,X\nb,X\nc,Y\nd,Z\n")
    result = runner.invoke(
        main,
        [
            "evaluate",
            str(data),
            "--gold",
            "gold",
            "--predicted",
            str(predicted),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    # BCubed precision: a 1/2, b 1/2, c 1, d 1 -> 3/4; recall: a 1/2, b 1, c 1/2, d 1 -> 3/4
    assert (scores["bcubed_precision"], scores["bcubed_recall"]) == (0.75, 0.75)
    assert (scores["pair_precision"], scores["pair_recall"]) == (0.0, 0.0)


@pytest.mark.slow
def test_missing_gold_label_names_the_line(runner, tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text('{"id": "a", "title": "Floods", "gold": "s1"}\n{"id": "b", "title": "Fires"}\n')
    result = runner.invoke(main, ["evaluate", str(data), "--gold", "gold"])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {data}:2: no gold label in column 'gold'\n"


def test_prediction_must_cover_every_article(runner, tmp_path):
    predicted = tmp_path / "pred.csv"
    predicted.write_text("id,story\n000_6a94ddf4fcffe0c0.txt,S1\n")
    result = runner.invoke(
        main,
        [
            "evaluate",
            str(SEEDS),
            "--labels",
            LABELS,
            "--gold",
            "story",
            "--predicted",
            str(predicted),
        ],
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {predicted}: no prediction for id '001_b7f091aae76eeadc.txt' (4 missing)\n"
    )
