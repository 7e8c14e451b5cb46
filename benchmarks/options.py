"""What most benchmarks share: where the data is, which model, JSON, and running one apart."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from clustering.evidence.model import BASE_FEATURES
from embeddings import DEFAULT_MODEL

#: The repository root: default paths are relative to it.
ROOT = Path(__file__).resolve().parent.parent


def data_json(description: str) -> argparse.ArgumentParser:
    """A parser with ``--data`` (default ``../shared/data``) and ``--json``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    return parser


def data_model_json(description: str) -> argparse.ArgumentParser:
    """A parser with ``--data`` (default ``../shared/data``), ``--model`` and ``--json``."""
    parser = data_json(description)
    parser.add_argument("--model", default=DEFAULT_MODEL, help="use (default) or e5")
    return parser


def add_without(parser: argparse.ArgumentParser) -> None:
    """``--without F,G``: base pair features the refitted pair models leave out (an ablation)."""
    parser.add_argument(
        "--without", default="", help="comma-separated base features the refits leave out"
    )


def parse_without(args: argparse.Namespace) -> frozenset[str]:
    """The features ``--without`` names; exits with the known ones if one is not."""
    named = frozenset(f.strip() for f in args.without.split(",") if f.strip())
    if named - set(BASE_FEATURES):
        sys.exit(
            f"unknown features {sorted(named - set(BASE_FEATURES))}: choose from "
            f"{', '.join(BASE_FEATURES)}"
        )
    return named


def run_json(module: str, *args: str) -> object:
    """Run a benchmark module in a process of its own; its last stdout line as JSON."""
    command = [sys.executable, "-m", f"benchmarks.{module}", *args, "--json"]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output.splitlines()[-1])
