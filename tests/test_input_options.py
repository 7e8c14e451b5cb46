"""Every command that reads articles takes the same input options and reads the same way.

``--input-format`` with ``-`` (standard input), ``--max-input-bytes`` and
``--max-article-bytes`` (and ``--skip-bad`` where inputs can be left out) behave in
``evaluate``, ``compare`` and ``calibrate`` exactly as in ``cluster``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

import pytest

from clustering.cli import main
from clustering.reading.loaders import stdin_kind
from tests.conftest import ROOT

#: Where a command's input goes in its arguments.
INPUT = "{input}"
#: Clustering without the second model: quicker, and these tests are about reading.
FAST = ("--second-model", "none")
LONG_TEXT = "Floods hit the north. " + "é" * 200  # 422 bytes of UTF-8
ARTICLES = [
    {"id": "a1", "title": "Floods hit the north", "text": LONG_TEXT, "story": "s1"},
    {"id": "a2", "title": "Northern floods force thousands to leave", "text": "", "story": "s1"},
    {"id": "b1", "title": "Defence minister visits Baku", "text": "", "story": "s2"},
    {"id": "b2", "title": "Iranian minister arrives in Baku for talks", "text": "", "story": "s2"},
]
PAIRS = [
    {"text1": LONG_TEXT, "text2": "Floods in the north force thousands to leave", "same": 1},
    {"text1": "Minister visits Baku", "text2": "Defence minister arrives in Baku", "same": 1},
    {"text1": "Floods hit the north", "text2": "Minister visits Baku", "same": 0},
    {"text1": "Stock markets fall", "text2": "Defence minister arrives in Baku", "same": 0},
]
ARTICLE_CUT = "text cut to the article limit of 101 bytes (it has 422; --max-article-bytes)"
PAIR_CUT = "column 'text1' cut to the article limit of 101 bytes (it has 422; --max-article-bytes)"


@dataclass(frozen=True)
class Command:
    """A command reading ``rows`` as a CSV input, and what shows that it read them."""

    args: tuple[str, ...]
    rows: list[dict[str, object]]
    shows: str
    cut: str = ARTICLE_CUT
    #: Lines after the ``Error:`` line of a bad input (``watch`` sums up its polls).
    after_error: tuple[str, ...] = ()

    def invoke(self, runner, source: str, *options: str, stdin: str | None = None):
        """Run the command on ``source`` with ``options`` and ``stdin``."""
        args = [source if arg == INPUT else arg for arg in self.args]
        return runner.invoke(main, [*args, *options], input=stdin)


COMMANDS = {
    "cluster": Command(("cluster", *FAST, "--format", "jsonl", INPUT), ARTICLES, '"id": "b2"'),
    "report": Command(("report", *FAST, INPUT), ARTICLES, "Iranian minister arrives in Baku"),
    "evaluate": Command(
        ("evaluate", "--gold", "story", *FAST, INPUT), ARTICLES, f"articles           {4:>7}"
    ),
    "calibrate": Command(
        ("calibrate", "--gold", "story", "-o", "pair.json", INPUT),
        ARTICLES,
        "pairs      2 same story, 4 different",
    ),
    "compare": Command(
        ("compare", INPUT, "b.txt"), ARTICLES[:1], "A                     a1: Floods"
    ),
    "add": Command(("add", "--store", "s.db", INPUT), ARTICLES, "b2\t"),
    "watch": Command(
        ("watch", "--store", "s.db", "--count", "1", "--interval", "0.001", INPUT),
        ARTICLES,
        "b2\t",
        after_error=("Error: {name}: failed on every poll (1 of 1)",),
    ),
    "compare --pairs": Command(
        ("compare", "--pairs", INPUT, "--left", "text1", "--right", "text2"),
        PAIRS,
        "Minister visits Baku,Defence minister arrives in Baku,1,",
        PAIR_CUT,
    ),
    "calibrate --pairs": Command(
        ("calibrate", "--pairs", INPUT, "--label", "same", "-o", "pair.json"),
        PAIRS,
        "pairs      2 same story, 2 different",
        PAIR_CUT,
    ),
}
#: The commands that can leave bad inputs out, and the rows they then keep.
SKIPPING = ["cluster", "report", "evaluate", "calibrate", "add"]


def _csv(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _inside_tmp(tmp_path, monkeypatch):
    """Work inside ``tmp_path`` so the paths in error lines are short and exact.

    ``b.txt`` is the second article of ``compare``.
    """
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.txt").write_text("Defence minister arrives in Baku\n", encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("name", COMMANDS)
def test_a_long_article_is_cut_with_a_warning(runner, tmp_path, name):
    command = COMMANDS[name]
    (tmp_path / "in.csv").write_text(_csv(command.rows), encoding="utf-8")
    result = command.invoke(runner, "in.csv", "--max-article-bytes", "101")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Warning: in.csv:2: {command.cut}\n"
    assert command.shows in result.stdout


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize("source", ["in.csv", "-"], ids=["file", "stdin"])
def test_an_input_over_the_limit_is_one_line_and_exit_2(runner, tmp_path, name, source):
    command = COMMANDS[name]
    content = _csv(command.rows)
    (tmp_path / "in.csv").write_text(content, encoding="utf-8")
    result = command.invoke(runner, source, "--max-input-bytes", "100", stdin=content)
    shown = "<stdin>" if source == "-" else source
    error = f"Error: {shown}: larger than the input limit of 100 bytes (--max-input-bytes)"
    after = [line.format(name=shown) for line in command.after_error]
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [error, *after]
    assert "Traceback" not in result.output


@pytest.mark.slow
@pytest.mark.parametrize("name", COMMANDS)
def test_dash_reads_standard_input_as_input_format_says(runner, name):
    command = COMMANDS[name]
    result = command.invoke(runner, "-", "--input-format", "csv", stdin=_csv(command.rows))
    assert result.exit_code == 0, result.output
    assert command.shows in result.stdout


def test_dash_reads_a_csv_with_a_known_header_as_csv(runner):
    command = COMMANDS["cluster"]
    result = command.invoke(runner, "-", stdin=_csv(command.rows))
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [
        "a1",
        "a2",
        "b1",
        "b2",
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ('{"id": "a", "title": "x"}\n', "jsonl"),
        ("id,headline,body\na,Floods,Rain\n", "csv"),
        ("\ufeffTitle,Text\nFloods,Rain\n", "csv"),
        ("Paris, France: the text of one article, with commas\n\nMore text.", "text"),
        ("<html><head><title>Floods, rain</title></head></html>", "text"),
        ("title\nFloods\n", "text"),
    ],
)
def test_standard_input_without_input_format(text, kind):
    assert stdin_kind(text) == kind


@pytest.mark.slow
@pytest.mark.parametrize("name", SKIPPING)
def test_skip_bad_leaves_out_and_lists_a_bad_row(runner, tmp_path, name):
    command = COMMANDS[name]
    bad = {"id": "x", "title": "", "text": "", "story": "s3"}
    (tmp_path / "in.csv").write_text(_csv([*command.rows, bad]), encoding="utf-8")
    failed = command.invoke(runner, "in.csv")
    assert failed.exit_code == 2
    assert failed.stderr.splitlines()[0] == "Error: in.csv:6: row has neither title nor text"
    result = command.invoke(runner, "in.csv", "--skip-bad")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == "Skipped: in.csv:6: row has neither title nor text"
    assert command.shows in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "-", "-"],
        ["evaluate", "-", "--gold", "story", "--labels", "-"],
        ["cluster", "-", "-"],
        ["add", "--store", "s.db", "-", "-"],
        ["watch", "--store", "s.db", "-", "-"],
    ],
    ids=" ".join,
)
def test_standard_input_for_two_inputs_is_refused_in_one_line(runner, tmp_path, args):
    result = runner.invoke(main, args, input="Floods hit the north\n")
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == [tmp_path / "b.txt"]  # no store made
    assert result.stdout == ""
    assert result.stderr == (
        "Error: '-' (standard input) can be read once: give it for one input only\n"
    )


BAD_PAIRS = {
    "a list": (
        "in.jsonl",
        '{"text1": ["a", "b"], "text2": "B"}\n',
        "1: field 'text1' holds a list, not one value",
    ),
    "malformed JSONL": (
        "in.jsonl",
        '{"text1": "A", "text2": "B"}\n{"text1": "A"\n',
        "2: malformed JSONL line (Expecting ',' delimiter)",
    ),
    "unterminated quote": (
        "in.csv",
        'text1,text2\nA,B\n"C,D\nE,F\n',
        "3: unterminated quote: the quoted field opened here never closes",
    ),
    "extra field": ("in.csv", "text1,text2\nA,B,C\n", "2: row has 3 fields, the header has 2"),
    "empty text": ("in.csv", "text1,text2\nA,\n", "2: empty text in column 'text2'"),
}


@pytest.mark.parametrize("stdin", [False, True], ids=["file", "stdin"])
@pytest.mark.parametrize("case", BAD_PAIRS)
def test_a_bad_row_of_pairs_is_one_line_naming_it(runner, tmp_path, case, stdin):
    name, content, message = BAD_PAIRS[case]
    (tmp_path / name).write_text(content, encoding="utf-8")
    args = ["compare", "--pairs", "-" if stdin else name, "--left", "text1", "--right", "text2"]
    result = runner.invoke(main, args, input=content)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {'<stdin>' if stdin else name}:{message}\n"


def test_pairs_on_standard_input_must_be_a_table(runner):
    args = ["compare", "--pairs", "-", "--left", "a", "--right", "b", "--input-format", "text"]
    result = runner.invoke(main, args, input="a,b\nx,y\n")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: <stdin>: a table is needed here, not text: --input-format jsonl|csv\n"
    )


def _option_help(runner, command: str) -> dict[str, str]:
    """Each input option's help text in ``command --help``, whitespace folded."""
    text = runner.invoke(main, [command, "--help"]).stdout
    found = {}
    for option in ("--input-format", "--max-input-bytes", "--max-article-bytes"):
        match = re.search(rf"^  {option} .*?(?=^  -)", text, re.MULTILINE | re.DOTALL)
        assert match, f"{command} --help lacks {option}"
        found[option] = " ".join(match.group(0).split())
    return found


#: The commands that read articles.
READERS = sorted({command.args[0] for command in COMMANDS.values()})


def test_every_command_that_reads_articles_has_the_same_input_options(runner):
    helps = {command: _option_help(runner, command) for command in READERS}
    assert all(found == helps["cluster"] for found in helps.values())
    for command in SKIPPING:
        assert "--skip-bad" in runner.invoke(main, [command, "--help"]).stdout


def test_the_size_limits_note_names_every_command_with_the_input_options():
    # The options themselves are in docs/cli.md's generated reference (tests/test_docs.py).
    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    limits = next(p for p in docs.split("\n- ") if p.startswith("**Size limits.**"))
    assert [c for c in READERS if f"`{c}`" not in limits] == []


@pytest.mark.parametrize("count", [["--count", "3"], []], ids=["count 3", "no count"])
def test_watch_reads_standard_input_once_and_then_ends(runner, count):
    rows = COMMANDS["watch"].rows
    args = ["watch", "--store", "s.db", "--interval", "0.001", *count, "-", "--input-format", "csv"]
    result = runner.invoke(main, args, input=_csv(rows))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "a1\tS1\tnew",
        "a2\tS1\tnew",
        "b1\tS2\tnew",
        "b2\tS2\tnew",
    ]
