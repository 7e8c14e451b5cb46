"""Outputs: tables, JSON/CSV, the HTML report, pair files and 2-D projections of the stories."""

from typing import TYPE_CHECKING

from clustering.lazy import lazy_exports

if TYPE_CHECKING:
    from clustering.output.dedupe import DEDUPE_FORMATS, KEEP, deduplicate, render_dedupe
    from clustering.output.explanations import explain
    from clustering.output.figures import (
        show_report,
        visualize_map,
        visualize_sources,
        visualize_timeline,
    )
    from clustering.output.files import (
        STANDARD,
        check_output,
        output_problem,
        write_atomically,
        write_output_file,
    )
    from clustering.output.formats import FORMATS, render, render_export
    from clustering.output.pairs import pairs_csv, read_pairs
    from clustering.output.report import DEFAULT_TITLE, render_report
    from clustering.output.tables import article_table, story_table
    from clustering.output.terminal import printable

__all__ = [
    "DEDUPE_FORMATS",
    "DEFAULT_TITLE",
    "FORMATS",
    "KEEP",
    "STANDARD",
    "article_table",
    "check_output",
    "deduplicate",
    "explain",
    "output_problem",
    "pairs_csv",
    "printable",
    "read_pairs",
    "render",
    "render_dedupe",
    "render_export",
    "render_report",
    "show_report",
    "story_table",
    "visualize_map",
    "visualize_sources",
    "visualize_timeline",
    "write_atomically",
    "write_output_file",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "DEDUPE_FORMATS": "clustering.output.dedupe",
        "KEEP": "clustering.output.dedupe",
        "deduplicate": "clustering.output.dedupe",
        "render_dedupe": "clustering.output.dedupe",
        "explain": "clustering.output.explanations",
        "show_report": "clustering.output.figures",
        "visualize_map": "clustering.output.figures",
        "visualize_sources": "clustering.output.figures",
        "visualize_timeline": "clustering.output.figures",
        "output_problem": "clustering.output.files",
        "write_atomically": "clustering.output.files",
        "STANDARD": "clustering.output.files",
        "check_output": "clustering.output.files",
        "write_output_file": "clustering.output.files",
        "FORMATS": "clustering.output.formats",
        "render": "clustering.output.formats",
        "render_export": "clustering.output.formats",
        "pairs_csv": "clustering.output.pairs",
        "read_pairs": "clustering.output.pairs",
        "DEFAULT_TITLE": "clustering.output.report",
        "render_report": "clustering.output.report",
        "article_table": "clustering.output.tables",
        "story_table": "clustering.output.tables",
        "printable": "clustering.output.terminal",
    },
)
