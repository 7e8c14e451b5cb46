"""notebooks/explore.ipynb runs top to bottom, with or without the data, and is stored stripped."""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"


def test_the_committed_notebook_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert [(cell.execution_count, cell.outputs) for cell in code] == [(None, [])] * len(code)


@pytest.mark.slow
@pytest.mark.parametrize("data", ["default", "missing"])
def test_the_notebook_runs_without_errors(data, tmp_path, monkeypatch):
    if data == "missing":
        monkeypatch.setenv("SAMESTORY_DATA", str(tmp_path / "no-data"))
    else:
        monkeypatch.delenv("SAMESTORY_DATA", raising=False)
    monkeypatch.delenv("MPLBACKEND", raising=False)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute(env=dict(os.environ))
    errors = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]
    assert errors == []
    first = notebook.cells[1].outputs[0]["text"]
    if data == "missing":
        assert first.endswith("og2021-dev.jsonl: missing, so the seeds stand in for it\n")
    images = sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
    assert images == 2
