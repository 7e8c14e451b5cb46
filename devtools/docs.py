"""``make docs``: run notebooks/explore.ipynb and write docs/explore.html, readable offline.

The notebook is executed with nbclient (its exports go to a temporary folder) and
converted with nbconvert's lab template, less every script it would fetch: require.js,
MathJax and the widget manager come from CDNs, and plotly's notebook renderer adds a
MathJax tag to each figure. plotly.js, which the first figure's output carries inline, is
moved to ``vendor/plotly-VERSION.min.js`` beside the page (4.7 MB, the same file until
plotly is upgraded), so the page itself stays small enough to keep in the repository and
makes no network request. A widget needs a running kernel: in the page its output is
replaced by a note.

Usage: ``python -m devtools.docs [OUT]`` (default ``docs/explore.html``).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

import jinja2
import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
DEFAULT_OUT = ROOT / "docs" / "explore.html"

#: The lab template without the scripts it loads from CDNs.
_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
"""
_REMOTE_SCRIPT = re.compile(r'<script src="https?://[^"]*"></script>')
_WIDGET = "application/vnd.jupyter.widget-view+json"
_WIDGET_NOTE = "(This widget works when you run the notebook in Jupyter.)\n"
#: plotly.js as the first figure's output carries it: a script that starts with its banner.
_PLOTLY_JS = re.compile(r"<script>(/\*\*\n\* plotly\.js v([0-9.]+)\n.*?)</script>", re.S)


def execute(notebook: nbformat.NotebookNode, timeout: int = 900) -> nbformat.NotebookNode:
    """Run ``notebook`` in place from notebooks/, its exports in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="samestory-docs-") as exports:
        env = {**os.environ, "SAMESTORY_EXPORT_DIR": exports}
        client = NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOK.parent)}},
        )
        client.execute(env=env)
        for cell in notebook.cells:  # the page names the folder a reader's run would use
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream":
                    output["text"] = output["text"].replace(exports, "notebooks/exports")
    return notebook


def offline(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The executed notebook without remote scripts in its outputs and without widgets."""
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        outputs = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if _WIDGET in data:
                output = nbformat.v4.new_output("stream", name="stdout", text=_WIDGET_NOTE)
            elif "text/html" in data:
                data["text/html"] = _REMOTE_SCRIPT.sub("", data["text/html"])
            outputs.append(output)
        if cell.cell_type == "code":
            cell.outputs = outputs
    return notebook


def to_html(notebook: nbformat.NotebookNode) -> str:
    """The notebook as one HTML page (nbconvert's lab template, no remote scripts)."""
    exporter = HTMLExporter(
        extra_loaders=[jinja2.DictLoader({"offline.html.j2": _TEMPLATE})],
        template_file="offline.html.j2",
    )
    body, _ = exporter.from_notebook_node(offline(notebook))
    return body


def vendor_plotly(page: str, folder: Path) -> str:
    """``page`` with its inline plotly.js written to ``folder``/vendor and loaded from there."""
    found = _PLOTLY_JS.search(page)
    if found is None:
        return page
    name = f"vendor/plotly-{found.group(2)}.min.js"
    (folder / "vendor").mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(found.group(1), encoding="utf-8")
    return page[: found.start()] + f'<script src="{name}"></script>' + page[found.end() :]


def build(out: Path = DEFAULT_OUT, source: Path = NOTEBOOK) -> Path:
    """Execute ``source`` and write it to ``out`` as HTML, plotly.js in ``vendor/`` beside it."""
    notebook = execute(nbformat.read(source, as_version=4))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(vendor_plotly(to_html(notebook), out.parent), encoding="utf-8")
    return out


def main(argv: list[str]) -> None:
    """Build the page named in ``argv`` (or the default) and say where it is."""
    out = build(Path(argv[0]) if argv else DEFAULT_OUT)
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main(sys.argv[1:])
