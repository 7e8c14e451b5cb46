"""The docs cannot drift: the command-line reference is generated, and every link resolves.

docs/cli.md's reference is every command's ``--help`` written by cog (devtools/clidocs.py);
cog's check fails here when an option changes and ``make docs-cli`` was not run.
"""

from __future__ import annotations

import difflib
import io
import re
from pathlib import Path

import click
import pytest
from cogapp import Cog

from clustering.cli.cluster import cluster
from tests.conftest import ROOT

CLI_DOCS = ROOT / "docs" / "cli.md"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FIX = "docs/cli.md is stale: run `make docs-cli` and commit it"


def _cog_check(path: Path) -> tuple[int, str]:
    """Cog in check mode on ``path``: its exit status and what it printed."""
    out = io.StringIO()
    cog = Cog()
    cog.set_output(stdout=out, stderr=out)
    status = cog.main(["cog", "--check", "--check-fail-msg", FIX, "-I", str(ROOT), str(path)])
    return status, out.getvalue()


def _stale_diff(path: Path) -> str:
    """What ``make docs-cli`` would change in ``path``, as a unified diff."""
    text = path.read_text(encoding="utf-8")
    fresh = Cog().process_string(text, fname=str(path))
    lines = difflib.unified_diff(
        text.splitlines(), fresh.splitlines(), "docs", "--help", n=1, lineterm=""
    )
    return "\n".join(lines)


def test_the_cli_reference_is_the_help_of_every_command():
    status, printed = _cog_check(CLI_DOCS)
    assert status == 0, f"{FIX}\n{printed}\n{_stale_diff(CLI_DOCS)}"


def test_the_reference_check_fails_when_an_option_changes(monkeypatch):
    option = click.Option(["--new-knob"], help="An option the docs do not know yet.")
    monkeypatch.setattr(cluster, "params", [*cluster.params, option])
    status, printed = _cog_check(CLI_DOCS)
    assert status == 5
    assert FIX in printed
    assert "+  --new-knob TEXT" in _stale_diff(CLI_DOCS)


def test_the_reference_has_a_section_for_every_command():
    from devtools.clidocs import commands

    headings = re.findall(r"^### samestory (\S+)$", CLI_DOCS.read_text("utf-8"), re.M)
    assert headings == commands()
    assert "cluster" in headings and "watch" in headings


#: A Markdown link or image target, up to an optional title: ``[text](target "title")``.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to -."""
    kept = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return kept.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {_slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}


def _relative_links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    text = re.sub(r"`[^`\n]*`", "", text)  # code spans are not links
    links = LINK.findall(text) + re.findall(r"<img [^>]*src=\"([^\"]+)\"", text)
    return [link for link in links if not re.match(r"[a-z][a-z0-9+.-]*:", link)]


def _broken(page: Path, link: str) -> str | None:
    path, _, anchor = link.partition("#")
    target = (page.parent / path).resolve() if path else page
    if not target.exists():
        return f"{page.name}: {link} (no such file)"
    if anchor and target.suffix == ".md" and anchor not in _anchors(target):
        return f"{page.name}: {link} (no such heading)"
    return None


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_resolves(page):
    broken = [_broken(page, link) for link in _relative_links(page)]
    assert [b for b in broken if b] == []


def test_the_link_check_finds_a_broken_link(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Top\n[a](missing.md) [b](#top) [c](#nowhere) `[d](x.md)`\n", "utf-8")
    assert _relative_links(page) == ["missing.md", "#top", "#nowhere"]
    assert _broken(page, "#top") is None
    assert _broken(page, "#nowhere") is not None


def test_the_readme_is_a_short_front_page_with_the_quickstart():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 200
    assert "$ make run" in readme and "$ make test" in readme


def _byte_options() -> list[tuple[str, click.Option]]:
    from clustering.cli import main
    from clustering.cli.numbers import ByteSize

    return [
        (f"{name} {option.opts[0]}", option)
        for name, command in main.commands.items()
        for option in command.params
        if isinstance(option, click.Option) and isinstance(option.type, ByteSize)
    ]


def test_the_help_of_a_size_names_every_suffix_it_takes():
    from clustering.cli.numbers import ByteSize

    suffixes = "Suffixes " + ", ".join(u if u == "k" else u.upper() for u in ByteSize.units if u)
    options = _byte_options()
    assert len(options) >= 10
    assert [name for name, option in options if suffixes not in (option.help or "")] == []
