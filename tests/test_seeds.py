"""The seed articles: three stories, whatever order the files come in."""

from __future__ import annotations

import itertools
import json

import pytest

from clustering.cli import main
from tests.conftest import SEED_FILES, SEEDS

NASIRZADEH = {"000_6a94ddf4fcffe0c0.txt", "002_58349e569f7a92d2.txt", "004_5504c892ed689994.txt"}
QALIBAF = "001_b7f091aae76eeadc.txt"
RAISI = "003_d63d3c6d141cb4c1.txt"


def _grouping(output: str) -> dict[str, tuple[str, bool]]:
    rows = [json.loads(line) for line in output.splitlines()]
    return {row["id"]: (row["story"], row["outlier"]) for row in rows}


def _assert_seed_stories(grouping: dict[str, tuple[str, bool]]) -> None:
    assert set(grouping) == NASIRZADEH | {QALIBAF, RAISI}
    nasirzadeh = {grouping[name] for name in NASIRZADEH}
    assert len(nasirzadeh) == 1
    story, outlier = nasirzadeh.pop()
    assert not outlier
    assert grouping[QALIBAF][1] and grouping[RAISI][1]
    assert len({story, grouping[QALIBAF][0], grouping[RAISI][0]}) == 3


def test_directory_gives_three_stories(runner):
    result = runner.invoke(main, ["cluster", str(SEEDS), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    _assert_seed_stories(_grouping(result.stdout))


def test_table_shows_three_stories(runner):
    result = runner.invoke(main, ["cluster", str(SEEDS)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["story", "size", "outlier", "languages", "title", "members"]
    assert lines[2].split()[:3] == ["S1", "3", "en,fr,tr"]
    assert lines[2].endswith(", ".join(sorted(NASIRZADEH)))
    assert lines[3].split()[:4] == ["S2", "1", "yes", "az"] and lines[3].endswith(QALIBAF)
    assert lines[4].split()[:4] == ["S3", "1", "yes", "fa"] and lines[4].endswith(RAISI)
    assert lines[5] == "5 articles, 3 stories (1 with several reports, 2 outliers)"


@pytest.mark.parametrize("order", list(itertools.permutations(range(5))))
def test_every_file_order_gives_the_same_output(runner, order):
    files = [str(SEED_FILES[i]) for i in order]
    result = runner.invoke(main, ["cluster", *files, "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    _assert_seed_stories(_grouping(result.stdout))
    reference = runner.invoke(main, ["cluster", *map(str, SEED_FILES), "--format", "jsonl"])
    assert result.stdout == reference.stdout
