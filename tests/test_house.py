"""The house: the imports of `pipeline` and `sources`, read statically (ast), form no circle,
and no arrow runs from a lower floor up to a higher one.

Every import counts: at the top of a module, inside a function (lazy) or under TYPE_CHECKING.
A module belongs to the floor of the longest prefix in FLOORS that names it (a package's
name alone, `pipeline`, names only its __init__); a new module
that no floor names fails the test, so the house plan stays the whole house.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pipeline", "sources")

# Bottom → top. A module may import its own floor and the floors below it, never above.
FLOORS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("pipeline", "pipeline.models", "pipeline.errors", "pipeline.config",
                    "pipeline.catalog", "pipeline.gcpause", "pipeline.workdays", "pipeline.normalize",
                    "pipeline.htmltools")),
    ("store", ("pipeline.store",)),
    ("fetch", ("pipeline.fetch",)),  # the client and the decoding of what it fetches
    ("sources", ("sources",)),
    ("stages", ("pipeline.collect", "pipeline.merge", "pipeline.classify",
                "pipeline.registers")),  # registers: what the annual report counts
    ("outputs", ("pipeline.views", "pipeline.publish", "pipeline.report")),  # views: the store as publish reads it
    ("job", ("pipeline.nightly",)),  # the job, its lock, schedule, logs, health and alerts
    ("district", ("pipeline.district",)),
    ("review", ("pipeline.review",)),
    ("commands", ("pipeline.commands", "pipeline.__main__")),
]

def module_files() -> dict[str, tuple[Path, bool]]:
    """Every module of the packages: dotted name → (file, is a package)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def imported_names(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    """What one import statement names, as dotted candidates (a module, or a module's attribute)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            base = base.rpartition(".")[0]
        base = f"{base}.{node.module}" if node.module else base
    else:
        base = node.module or ""
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def import_graph() -> dict[str, set[str]]:
    """module → the modules of the packages it imports (`from a import b`: a.b when b is a module, else a)."""
    modules = module_files()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, (path, is_package) in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            candidates = imported_names(name, is_package, node)
            if isinstance(node, ast.ImportFrom):  # `from a import b, c`: each b, c that is a module, else a
                named = [c for c in candidates[:-1] if c in modules]
                candidates = named if len(named) == len(node.names) else named + [candidates[-1]]
            for target in candidates:
                while target and target not in modules:  # `import a.b.c` where c is a name: a.b
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def floor_of(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, floor)
    for number, (_, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            if (module == prefix or (module.startswith(prefix + ".") and prefix != "pipeline")) \
                    and (best is None or len(prefix) > best[0]):
                best = (len(prefix), number)
    return best[1] if best else None


def circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(frozenset(component))
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_walk_sees_top_level_lazy_and_relative_imports(graph):
    # pipeline/commands/nightly.py imports `.base` at its top and `..nightly.job` inside functions;
    # pipeline/commands/main.py names submodules in `from . import add, …`.
    assert {"pipeline.commands.base", "pipeline.nightly.job"} <= graph["pipeline.commands.nightly"]
    assert {"pipeline.commands.add", "pipeline.commands.review"} <= graph["pipeline.commands.main"]
    assert "pipeline.fetch.client" in graph["sources.protocol"]  # an absolute import under TYPE_CHECKING counts too


def test_circles_are_found():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset("abc")]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_every_module_has_a_floor(graph):
    assert [m for m in sorted(graph) if floor_of(m) is None] == []


def test_no_import_circle(graph):
    found = [" ↔ ".join(sorted(c)) for c in circles(graph)]
    assert not found, "import circles:\n" + "\n".join(found)


def test_no_arrow_runs_up(graph):
    up = sorted(f"{m} ({FLOORS[floor_of(m)][0]}) → {t} ({FLOORS[floor_of(t)][0]})"  # type: ignore[index]
                for m, targets in graph.items() for t in targets
                if floor_of(t) > floor_of(m))  # type: ignore[operator]
    assert not up, "arrows running up:\n" + "\n".join(up)


def test_nothing_outside_commands_imports_them(graph):
    outside = sorted(f"{m} → {t}" for m, targets in graph.items() for t in targets
                     if t.startswith("pipeline.commands") and not m.startswith("pipeline.commands")
                     and m != "pipeline.__main__")
    assert outside == []


def test_base_is_at_the_bottom_of_commands(graph):
    # base may lean on a helper beneath it (usage.py: click's usage errors in Chinese), never on a
    # command: every command imports base, so a module of commands importing none of them is a helper
    above = sorted(t for t in graph["pipeline.commands.base"] if t.startswith("pipeline.commands")
                   and any(u.startswith("pipeline.commands") for u in graph.get(t, ())))
    assert above == []


def test_top_level_pipeline_holds_about_a_dozen_modules():
    # The rest lives in folders by stage (store/, fetch/, collect/, merge/, registers/, nightly/ …).
    flat = sorted(p.stem for p in (ROOT / "pipeline").glob("*.py") if not p.stem.startswith("__"))
    assert len(flat) <= 12, flat
