"""The seeds plus short reports of their events in seven languages USE does not cover."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from clustering import StoryClusterer, load_articles
from tests.conftest import SEED_FILES, SEEDS
from tests.probes import load_probes

#: One fit of the seeds and probes with the real models, shared by every test here.
pytestmark = pytest.mark.slow


def _gold() -> tuple[dict[str, str], dict[str, str | None]]:
    story: dict[str, str] = {}
    published: dict[str, str | None] = {}
    with (SEEDS / "labels.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            story[row["file"]], published[row["file"]] = row["story"], row["published"] or None
    for probe in load_probes():
        story[probe.path.name], published[probe.path.name] = probe.story, probe.published
    return story, published


@pytest.fixture(scope="module")
def stories_with_dates() -> dict[str, set[str]]:
    """Each article's story mates (ids) with every article dated as labels.csv says."""
    _, published = _gold()
    articles = load_articles([*SEED_FILES, *(p.path for p in load_probes())]).articles
    articles["published"] = pd.to_datetime([published[i] for i in articles["id"]])
    found = StoryClusterer().fit(articles).articles_
    members = found.groupby("story")["id"].apply(set)
    return {row.id: members[row.story] for row in found.itertuples()}


def test_seeds_001_and_003_stay_apart_among_the_probes(stories_with_dates):
    assert "003_d63d3c6d141cb4c1.txt" not in stories_with_dates["001_b7f091aae76eeadc.txt"]


def test_no_story_joins_the_two_dated_events_months_apart(stories_with_dates):
    # The undated Aliyev-Raisi reports are compared with both; they must not bridge them.
    _, published = _gold()
    spans = {
        frozenset(published[m] for m in mates if published[m] is not None)
        for mates in stories_with_dates.values()
    }
    assert all(len(dates) <= 1 for dates in spans)


@pytest.mark.xfail(
    strict=True,
    reason="issue 11, not reached: in the probe languages, which USE does not cover and "
    "the dev data has no text in, P between reports of two events in one language (mean "
    "0.84) is above P between reports of one event in two languages (mean 0.54; of two "
    "events in two languages 0.37; the names against a pair and the cosines weighed by "
    "coverage moved these by 0.01), so the probes group by language as much as by event, "
    "and the undated Aliyev-Raisi reports join the other two events",
)
def test_every_probe_is_in_its_events_story(stories_with_dates):
    story, _ = _gold()
    wrong = {
        i for i, mates in stories_with_dates.items() if {story[m] for m in mates} != {story[i]}
    }
    alone = {i for i, mates in stories_with_dates.items() if len(mates) == 1}
    assert (wrong, alone) == (set(), set())
