"""Import directions between the stages, read from the source with ``ast`` (nothing is imported).

Every import counts: top-level, inside functions, under ``TYPE_CHECKING``, and relative ones
(resolved against the importing module's package). The rooms of ``clustering/`` are ranked in
pipeline order; a module may import from its own room or a strictly lower one, and rooms of the
same rank stay apart. ``clustering/__init__.py`` is the public facade and may import anything;
only the command line, above it, imports it.

Besides: the command line imports only the library's public faces (a package's names, not
its modules); no module imports itself back through others (no cycle); output never
imports the store.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("clustering", "embeddings")

#: Rank of each room of clustering/: the pipeline's order, from errors up to the command line.
RANKS = {
    "errors": 0,
    "lazy": 0,
    "progress": 0,
    "reading": 1,
    "evidence": 2,
    "grouping": 3,
    "store": 4,
    "scale": 4,
    "evaluation": 4,
    "output": 5,
    "pipeline": 6,
    "desk": 6,  # the web face over the store, beside the pipeline; only the CLI imports it
    "cli": 7,
}

#: The only modules that sit directly in clustering/.
TOP_LEVEL_MODULES = {"__init__.py", "errors.py", "lazy.py", "pipeline.py", "progress.py"}

#: Packages that only hold data files (read with importlib.resources), no code.
DATA_PACKAGES = {"clustering.models", "clustering.output.templates"}


@dataclass(frozen=True)
class Import:
    """One imported module: where the import is written and what it resolves to."""

    path: Path
    line: int
    statement: str
    target: str

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}: `{self.statement}`"


def module_name(path: Path) -> str:
    """The dotted name of a source file under ROOT (a package's ``__init__`` is the package)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path, source: str) -> Iterator[Import]:
    """Every module the source imports, with relative imports made absolute.

    ``from package import name`` counts as importing ``package.name`` when that is a module.
    """
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        statement = ast.unparse(node)
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, statement, alias.name)
            continue
        if node.level:
            parts = package.split(".")
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join([*parts, node.module] if node.module else parts)
        else:
            base = node.module or ""
        for alias in node.names:
            child = f"{base}.{alias.name}"
            target = child if alias.name != "*" and _is_module(child) else base
            yield Import(path, node.lineno, statement, target)


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _room(name: str) -> str | None:
    """The room of a clustering module (``clustering.reading.loaders`` is in ``reading``)."""
    parts = name.split(".")
    return parts[1] if parts[0] == "clustering" and len(parts) > 1 else None


def embeddings_violations(path: Path, source: str) -> list[str]:
    """(a) embeddings is the lower package: it never imports clustering."""
    if not _within(module_name(path), "embeddings"):
        return []
    return [
        f"{found.where()} imports {found.target}: embeddings must not import clustering"
        for found in imports_of(path, source)
        if _within(found.target, "clustering")
    ]


def click_violations(path: Path, source: str) -> list[str]:
    """(b) click is the command line's business only."""
    if _within(module_name(path), "clustering.cli"):
        return []
    return [
        f"{found.where()} imports {found.target}: only clustering/cli/ may import click"
        for found in imports_of(path, source)
        if _within(found.target, "click")
    ]


def stage_violations(path: Path, source: str) -> list[str]:
    """(c) a clustering module imports its own room or a strictly lower one."""
    name = module_name(path)
    if name == "clustering" or not _within(name, "clustering"):
        return []
    room = _room(name)
    if any(_within(name, data) for data in DATA_PACKAGES):
        rank = -1  # data packages hold no code, so they import nothing of clustering
    elif room not in RANKS:
        return [f"{path.relative_to(ROOT).as_posix()}: room {room!r} has no rank in RANKS"]
    else:
        rank = RANKS[room]
    found_violations = []
    for found in imports_of(path, source):
        target = found.target
        if not _within(target, "clustering") or _within(target, room and f"clustering.{room}"):
            continue
        if any(_within(target, data) for data in DATA_PACKAGES):
            continue
        other = _room(target)
        if other is None and room == "cli":
            continue  # the command line stands above the facade, on the library's faces
        if other is None:
            reason = "the clustering facade imports every stage; import the stage module"
        elif other not in RANKS:
            reason = f"room {other!r} has no rank"
        elif RANKS[other] > rank:
            reason = f"{room} (rank {rank}) must not import {other} (rank {RANKS[other]})"
        elif RANKS[other] == rank:
            reason = f"{room} and {other} share rank {rank} and must not import each other"
        else:
            continue
        found_violations.append(f"{found.where()} imports {target}: {reason}")
    return found_violations


def layout_violations(files: list[Path]) -> list[str]:
    """(d) clustering/ holds its few top-level modules, ranked rooms and data packages."""
    found_violations = []
    for path in files:
        name = module_name(path)
        where = path.relative_to(ROOT).as_posix()
        if not _within(name, "clustering"):
            continue
        if path.parent == ROOT / "clustering":
            if path.name not in TOP_LEVEL_MODULES:
                found_violations.append(
                    f"{where}: a module directly in clustering/ (only "
                    f"{', '.join(sorted(TOP_LEVEL_MODULES))}); move it into its stage's room"
                )
            continue
        data = [package for package in DATA_PACKAGES if _within(name, package)]
        if data and path.name != "__init__.py":
            found_violations.append(f"{where}: code in the data package {data[0]}")
        elif not data and _room(name) not in RANKS:
            found_violations.append(f"{where}: room {_room(name)!r} has no rank in RANKS")
    return found_violations


def _is_face(name: str) -> bool:
    """A public face: ``embeddings``, ``clustering`` or one of its rooms (not a room's module)."""
    package, *inner = name.split(".")
    return len(inner) <= {"embeddings": 0, "clustering": 1}.get(package, -1)


def face_violations(path: Path, source: str) -> list[str]:
    """(e) the command line imports only the library's public faces, and itself."""
    if not _within(module_name(path), "clustering.cli"):
        return []
    return [
        f"{found.where()} imports {found.target}: the command line imports public faces only "
        f"(import the name from {'.'.join(found.target.split('.')[:2])})"
        for found in imports_of(path, source)
        if (_within(found.target, "clustering") or _within(found.target, "embeddings"))
        and not _within(found.target, "clustering.cli")
        and not _is_face(found.target)
    ]


def output_violations(path: Path, source: str) -> list[str]:
    """(f) output renders anything with stories (``result()``): it never imports the store."""
    if not _within(module_name(path), "clustering.output"):
        return []
    return [
        f"{found.where()} imports {found.target}: output must not import the store"
        for found in imports_of(path, source)
        if _within(found.target, "clustering.store")
    ]


def import_cycle(sources: dict[Path, str]) -> list[str]:
    """(g) A cycle of imports among the modules of ``sources`` (empty when there is none)."""
    names = {module_name(path) for path in sources}
    graph = {
        module_name(path): {
            found.target for found in imports_of(path, source) if found.target in names
        }
        - {module_name(path)}
        for path, source in sources.items()
    }
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        return list(error.args[1])
    return []


SOURCES = {
    path: path.read_text(encoding="utf-8")
    for package in PACKAGES
    for path in sorted((ROOT / package).rglob("*.py"))
}


def _violations(rule: Callable[[Path, str], list[str]]) -> list[str]:
    return [problem for path, source in SOURCES.items() for problem in rule(path, source)]


def test_every_source_file_is_read():
    names = {module_name(path) for path in SOURCES}
    assert {"clustering", "clustering.cli.common", "embeddings.base"} <= names
    assert all(room in {_room(name) for name in names} for room in RANKS)


def test_embeddings_never_imports_clustering():
    violations = _violations(embeddings_violations)
    assert not violations, "\n".join(violations)


def test_only_the_command_line_imports_click():
    violations = _violations(click_violations)
    assert not violations, "\n".join(violations)


def test_lower_stages_never_import_higher_ones():
    violations = _violations(stage_violations)
    assert not violations, "\n".join(violations)


def test_clustering_holds_only_its_top_level_modules_and_ranked_rooms():
    violations = layout_violations(list(SOURCES))
    assert not violations, "\n".join(violations)


def test_the_command_line_imports_only_public_faces():
    violations = _violations(face_violations)
    assert not violations, "\n".join(violations)


def test_output_never_imports_the_store():
    violations = _violations(output_violations)
    assert not violations, "\n".join(violations)


def test_no_import_cycle_anywhere():
    cycle = import_cycle(SOURCES)
    assert not cycle, " -> ".join(cycle)


# The checks themselves, on made-up sources: each catches what it looks for.


def _fake(relative: str) -> Path:
    return ROOT / relative


@pytest.mark.parametrize(
    ("relative", "source", "target"),
    [
        ("clustering/grouping/x.py", "from ..reading import loaders", "clustering.reading.loaders"),
        ("clustering/grouping/x.py", "from . import stories", "clustering.grouping.stories"),
        ("clustering/cli/__init__.py", "from .common import errors", "clustering.cli.common"),
        ("clustering/output/x.py", "from ..store import store", "clustering.store.store"),
        ("clustering/x.py", "from .reading import *", "clustering.reading"),
        ("clustering/reading/x.py", "import clustering.errors as e", "clustering.errors"),
        ("clustering/reading/x.py", "from clustering import load_articles", "clustering"),
    ],
)
def test_imports_resolve_to_modules(relative, source, target):
    assert [found.target for found in imports_of(_fake(relative), source)] == [target]


def test_a_higher_import_is_named_with_file_line_and_statement():
    source = '"""Doc."""\n\n\ndef late():\n    from ..grouping.clusterer import StoryClusterer\n'
    assert stage_violations(_fake("clustering/reading/x.py"), source) == [
        "clustering/reading/x.py:5: `from ..grouping.clusterer import StoryClusterer` imports "
        "clustering.grouping.clusterer: reading (rank 1) must not import grouping (rank 3)"
    ]


@pytest.mark.parametrize(
    ("relative", "source", "caught"),
    [
        ("clustering/store/x.py", "from clustering.scale import windows", True),
        ("clustering/evaluation/x.py", "from ..store.store import StoryStore", True),
        ("clustering/reading/x.py", "from clustering import load_articles", True),
        ("clustering/errors.py", "from clustering.reading import loaders", True),
        ("clustering/pipeline.py", "from clustering.cli import main", True),
        ("clustering/models/__init__.py", "from clustering.errors import InputError", True),
        ("clustering/store/x.py", "from clustering.store.assign import Plan", False),
        ("clustering/cli/x.py", "from clustering.pipeline import cluster_paths", False),
        ("clustering/cli/x.py", "from clustering import StoryClusterer", False),
        ("clustering/__init__.py", "from clustering.cli import main", False),
        ("clustering/reading/x.py", "from clustering import models", False),
        ("clustering/reading/x.py", "import numpy, embeddings", False),
    ],
)
def test_the_stage_rule(relative, source, caught):
    assert bool(stage_violations(_fake(relative), source)) is caught


def test_click_and_clustering_are_caught_where_they_do_not_belong():
    assert click_violations(_fake("clustering/output/x.py"), "import click.testing")
    assert click_violations(_fake("embeddings/x.py"), "from click import echo")
    assert not click_violations(_fake("clustering/cli/x.py"), "import click")
    assert embeddings_violations(_fake("embeddings/x.py"), "from clustering import errors")
    assert not embeddings_violations(_fake("embeddings/x.py"), "from .base import Embedder")


def test_the_layout_rule():
    files = [_fake(f) for f in ("clustering/helpers.py", "clustering/extra/a.py")]
    files += [_fake(f) for f in ("clustering/models/code.py", "clustering/errors.py")]
    assert [problem.split(":")[0] for problem in layout_violations(files)] == [
        "clustering/helpers.py",
        "clustering/extra/a.py",
        "clustering/models/code.py",
    ]


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("from clustering.store.opening import store_embedder", True),
        ("from embeddings.articles import embed_articles", True),
        ("import clustering.reading.loaders", True),
        ("from clustering.store import StoryStore", False),
        ("from clustering import StoryClusterer, pipeline", False),
        ("from clustering.pipeline import cluster_paths", False),
        ("from embeddings import DEFAULT_MODEL", False),
        ("from clustering.cli.common import errors", False),
        ("import click, pandas", False),
    ],
)
def test_the_face_rule(source, caught):
    assert bool(face_violations(_fake("clustering/cli/x.py"), source)) is caught


def test_output_importing_the_store_is_caught():
    source = "from clustering.store.store import StoryStore"
    assert output_violations(_fake("clustering/output/x.py"), source)
    assert not output_violations(_fake("clustering/output/x.py"), "from ..grouping import result")
    assert not output_violations(_fake("clustering/cli/x.py"), source)


def test_an_import_cycle_is_named():
    sources = {
        _fake("clustering/grouping/a.py"): "import clustering.grouping.b",
        _fake("clustering/grouping/b.py"): "def late():\n    import clustering.grouping.a",
        _fake("clustering/grouping/c.py"): "import clustering.grouping.a",
    }
    assert sorted(import_cycle(sources)) == [
        "clustering.grouping.a",
        "clustering.grouping.a",
        "clustering.grouping.b",
    ]
    del sources[_fake("clustering/grouping/b.py")]
    assert import_cycle(sources) == []
