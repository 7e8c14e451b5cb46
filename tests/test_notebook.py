"""notebooks/explore.ipynb runs top to bottom on the seeds, and is stored stripped."""

from __future__ import annotations

import os

import nbformat
import openpyxl
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
PLOTLY = "application/vnd.plotly.v1+json"


def test_the_committed_notebook_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert [(cell.execution_count, cell.outputs) for cell in code] == [(None, [])] * len(code)


def test_the_notebook_uses_only_the_public_api():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    source = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "from clustering." not in source
    assert "pyproject.toml" not in source


@pytest.mark.slow
def test_the_notebook_runs_on_the_seeds_without_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("SAMESTORY_DATA", str(tmp_path / "no-data"))
    monkeypatch.setenv("SAMESTORY_EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute(env=dict(os.environ))
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    assert [output for output in outputs if output.output_type == "error"] == []
    first = next(output for output in outputs if output.output_type == "stream")
    assert first["text"] == "Read 5 articles from the example articles (seeds)\n"
    assert sum(PLOTLY in output.get("data", {}) for output in outputs) == 4
    widget = "application/vnd.jupyter.widget-view+json"
    assert sum(widget in output.get("data", {}) for output in outputs) == 1  # the slider
    exports = tmp_path / "exports"
    assert sorted(path.name for path in exports.iterdir()) == [
        "articles.csv",
        "stories.csv",
        "stories.xlsx",
    ]
    workbook = openpyxl.load_workbook(exports / "stories.xlsx", read_only=True)
    assert workbook.sheetnames == ["stories", "articles"]
    assert workbook["articles"].max_row == 6
    report = outputs[-1]["data"]["text/html"]
    assert report.startswith("<div><iframe srcdoc=")
