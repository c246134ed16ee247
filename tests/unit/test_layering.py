"""The package's layout holds: no import cycle, and every import points down the layers.

The layers and what each may import are written once, in the docstring of
`storywatch/__init__.py`; this test reads them from there. Every import counts,
also one inside a function or under `TYPE_CHECKING`: a lazy import hides a cycle
from Python, not from the next reader.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

import storywatch

PACKAGE = Path(storywatch.__file__).resolve().parent
LAYER_LINE = re.compile(r"^- (?P<name>[\w_]+)(?: \((?P<members>[^)]*)\))?: (?P<allowed>.*)$")


def read_layers(doc: str) -> tuple[dict[str, str], dict[str, set[str]]]:
    """(module or subpackage name -> layer, layer -> layers it may import) from the docstring."""
    members: dict[str, str] = {}
    allowed: dict[str, set[str]] = {}
    lines = doc.split("Layers:", 1)[1].splitlines()
    for line in lines:
        match = LAYER_LINE.match(line.strip())
        if not match:
            continue
        layer = match["name"]
        for member in (match["members"] or layer).split(","):
            members[member.strip()] = layer
        allowed[layer] = {layer, *(a.strip() for a in match["allowed"].split(",") if a.strip())}
    return members, allowed


def module_names(package: Path) -> dict[str, Path]:
    """Dotted name -> file, for every module of the package (a package is its __init__)."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imports_of(source: str, modules: Iterable[str]) -> set[str]:
    """The package modules a module's source imports (anywhere in it)."""
    known = set(modules)
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in known:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names
                         if f"{node.module}.{alias.name}" in known)
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    modules = module_names(package)
    return {name: imports_of(path.read_text(encoding="utf-8"), modules) - {name}
            for name, path in modules.items()}


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def layer_of(module: str, members: Mapping[str, str]) -> str | None:
    """The layer of `storywatch.X[.Y]`: X's layer; None for the package itself."""
    parts = module.split(".")
    return None if len(parts) == 1 else members.get(parts[1])


def layering_violations(graph: Mapping[str, set[str]], members: Mapping[str, str],
                        allowed: Mapping[str, set[str]]) -> list[str]:
    problems = []
    for module, targets in sorted(graph.items()):
        layer = layer_of(module, members)
        if layer is None:
            continue
        for target in sorted(targets):
            target_layer = layer_of(target, members)
            if target_layer is not None and target_layer not in allowed[layer]:
                problems.append(f"{module} ({layer}) imports {target} ({target_layer})")
    return problems


MEMBERS, ALLOWED = read_layers(storywatch.__doc__ or "")
GRAPH = import_graph(PACKAGE)


def test_every_module_belongs_to_a_layer_of_the_package_docstring() -> None:
    homeless = sorted({m.split(".")[1] for m in GRAPH if "." in m} - set(MEMBERS))
    assert homeless == [], f"add these to the Layers list of storywatch/__init__.py: {homeless}"


def test_no_import_cycle_between_modules() -> None:
    cycle = find_cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_imports_point_down_the_layers() -> None:
    problems = layering_violations(GRAPH, MEMBERS, ALLOWED)
    assert problems == [], "imports against the layers:\n" + "\n".join(problems)


@pytest.mark.parametrize(("layer", "forbidden"), [
    ("language", {"store", "web", "sources", "tracking", "cli"}),
    ("tracking", {"web", "sources", "cli"}),
])
def test_the_rules_of_the_layout_are_in_the_declared_layers(layer: str, forbidden: set[str]) -> None:
    # The rules, checked against the docstring so that loosening it shows here.
    assert not ALLOWED[layer] & forbidden


def test_nothing_but_the_entry_point_imports_the_command_line() -> None:
    importers = sorted(m for m, targets in GRAPH.items()
                       if any(t.startswith("storywatch.cli") for t in targets)
                       and not m.startswith("storywatch.cli") and m != "storywatch.__main__")
    assert importers == []


def test_the_checks_fail_on_a_synthetic_back_import() -> None:
    members = {"store": "store", "language": "language", "tracking": "tracking"}
    allowed = {"store": {"store"}, "language": {"language"},
               "tracking": {"tracking", "store", "language"}}
    graph = {
        "storywatch.store.db": set(),
        "storywatch.language.quotes": {"storywatch.store.db"},  # language must not touch store
        "storywatch.tracking.stage": {"storywatch.store.db", "storywatch.tracking.threads"},
        "storywatch.tracking.threads": {"storywatch.tracking.stage"},  # a cycle
    }
    assert layering_violations(graph, members, allowed) == [
        "storywatch.language.quotes (language) imports storywatch.store.db (store)"]
    assert find_cycle(graph) == ["storywatch.tracking.stage", "storywatch.tracking.threads",
                                 "storywatch.tracking.stage"]


def test_imports_are_found_inside_functions_and_type_checking_blocks() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from storywatch.web.fetch import Fetcher\n"
        "def later():\n    from storywatch.store import db\n"
    )
    modules = ["storywatch.web.fetch", "storywatch.store", "storywatch.store.db"]
    assert imports_of(source, modules) == set(modules)


def test_the_docstring_list_is_read_as_written() -> None:
    members, allowed = read_layers("x\n\nLayers:\n- basics (settings, errors): basics\n"
                                   "- store: basics\n")
    assert members == {"settings": "basics", "errors": "basics", "store": "store"}
    assert allowed == {"basics": {"basics"}, "store": {"store", "basics"}}
