"""Imports go one way: no cycle between roleplay's parts, and each layer imports only
those below it (the command line on top; the app-with-bots layer, roleplay.local, beside
it; the web app and the bots side by side, neither importing the other).

Every import counts, also those inside a function or under TYPE_CHECKING: a lazy import
is still a dependency.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import roleplay

PACKAGE = Path(roleplay.__file__).parent

#: part -> parts it must never import
FORBIDDEN = {
    "web": {"bots", "botclass", "local", "cli", "driver"},
    "bots": {"web", "local", "cli", "service", "storage"},
    "strategy": {"web", "local", "cli", "bots"},
    "local": {"cli"},
    "engine": {"web", "bots", "local", "cli", "service", "storage", "export", "report", "outbox"},
    "scenario": {"web", "bots", "local", "cli", "service", "storage", "engine"},
}


def _module(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_package else parts), is_package


def _imports(path: Path) -> set[str]:
    """The roleplay modules a file imports (with `from x import y`, also `x.y`)."""
    name, is_package = _module(path)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.split(".")[0] == "roleplay":
                found.add(target)
                found.update(f"{target}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "roleplay")
    return found


def _part(module: str) -> str | None:
    """`roleplay.web.delivery` -> `web`; the package itself has no part."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def part_graph() -> dict[str, set[str]]:
    modules = {_module(p)[0] for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        source = _part(_module(path)[0])
        for target in _imports(path):
            while target not in modules and "." in target:  # `from pkg import name`
                target = target.rsplit(".", 1)[0]
            dest = _part(target)
            if source and dest and dest != source:
                graph[source].add(dest)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One path round each cycle found by a depth-first walk (empty when there is none)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_the_walk_sees_the_parts_and_their_lazy_imports() -> None:
    graph = part_graph()
    assert {"engine", "web", "bots", "cli", "local", "scenario"} <= set(graph)
    assert "local" in graph["cli"]  # cli imports roleplay.local only inside a function
    assert "viewpatch" in graph["bots"]


def test_no_import_cycle_between_parts() -> None:
    assert cycles(part_graph()) == []


def test_the_cycle_finder_finds_one() -> None:
    assert cycles({"cli": {"web"}, "web": {"demo"}, "demo": {"cli"}}) == [
        ["cli", "web", "demo", "cli"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_each_layer_imports_only_below_it() -> None:
    graph = part_graph()
    wrong = {f"{part} imports {bad}" for part, banned in FORBIDDEN.items()
             for bad in graph.get(part, set()) & banned}
    assert not wrong, sorted(wrong)
    assert {p for p, deps in graph.items() if "cli" in deps} == set()
    assert {p for p, deps in graph.items() if "local" in deps} == {"cli"}


def test_one_scenario_resolver() -> None:
    """The command line and the library both resolve through roleplay.scenario.resolve."""
    for rel in ("cli.py", "web/library.py", "local/demo.py"):
        assert "roleplay.scenario.resolve" in _imports(PACKAGE / rel), rel
    defined = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
               for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
               if isinstance(node, ast.FunctionDef) and node.name == "resolve_source"]
    assert defined == ["scenario/resolve.py"]


def test_no_test_module_imports_another_or_a_conftest() -> None:
    """Tests share code through tests/support and fixtures through conftest.py, found by
    pytest: a test module imported by another runs its module code (and its fixtures'
    names) twice, and a conftest imported by name is a second copy of it."""
    tests = Path(__file__).parent
    found = []
    for path in sorted([*tests.glob("*.py"), *tests.glob("support/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.name}: {n}" for n in names
                      if n.split(".")[0].startswith(("test_", "conftest", "plans"))]
    assert found == []
