"""The probe set: short reports of the seeds' three events in languages USE does not cover.

``tests/data/probes/`` holds one report of each event in Azerbaijani, Persian, Ukrainian,
Greek, Hindi, Georgian and Armenian; ``labels.csv`` there gives each file's language, gold
story and publication date (empty for the undated Raisi meeting). Dated probes start with a
``date YYYY-MM-DD`` line, which the loader reads as ``published``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

PROBES = Path(__file__).resolve().parent / "data" / "probes"
PROBE_LABELS = PROBES / "labels.csv"


@dataclass(frozen=True)
class Probe:
    """One probe file with its gold labels."""

    path: Path
    lang: str
    story: str
    published: str | None


def load_probes() -> list[Probe]:
    """The probes in ``labels.csv`` order, each with its path, language, story and date."""
    with PROBE_LABELS.open(encoding="utf-8", newline="") as handle:
        return [
            Probe(PROBES / row["file"], row["lang"], row["story"], row["published"] or None)
            for row in csv.DictReader(handle)
        ]


def probe_paths() -> list[Path]:
    """The probe files, sorted by name."""
    return sorted(probe.path for probe in load_probes())
