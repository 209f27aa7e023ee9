"""The shape of shared/: pure layers import no I/O, contracts import no bus, and nothing cycles.

Read statically from the source (AST), so a violation is caught without running anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SHARED = ROOT / "shared"

IO_PACKAGES = ("sqlalchemy", "sqlmodel", "aiokafka", "fastapi", "starlette", "httpx", "alembic", "uvicorn")
PURE_MODULES = (
    "shared.money",
    "shared.clock",
    "shared.errors",
    "shared.context",
    "shared.types",
    "shared.access",
    "shared.policy",
    "shared.directory",
    "shared.contracts",
)
"""The pure base: rules and data, no database, broker, web framework or HTTP client."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Absolute module names `path` imports at module level or inside functions."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES: dict[str, set[str]] = {_module_name(p): _imports(p) for p in SHARED.rglob("*.py")}


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@pytest.mark.parametrize("package", PURE_MODULES)
def test_pure_layers_import_no_io_library(package: str) -> None:
    offenders = {
        (module, imported)
        for module, imports in MODULES.items()
        if _within(module, package)
        for imported in imports
        if imported.split(".")[0] in IO_PACKAGES
    }
    assert not offenders, f"{package} must stay pure: {sorted(offenders)}"


@pytest.mark.parametrize("layer", ["shared.bus", "shared.db", "shared.web", "shared.audit"])
def test_contracts_import_nothing_from_the_io_layers(layer: str) -> None:
    offenders = {
        (module, imported)
        for module, imports in MODULES.items()
        if _within(module, "shared.contracts")
        for imported in imports
        if _within(imported, layer)
    }
    assert not offenders, sorted(offenders)


def test_the_bus_and_db_do_not_reach_up_into_the_web_layer() -> None:
    offenders = {
        (module, imported)
        for module, imports in MODULES.items()
        if _within(module, "shared.bus") or _within(module, "shared.db")
        for imported in imports
        if _within(imported, "shared.web")
    }
    assert not offenders, sorted(offenders)


def _graph() -> dict[str, set[str]]:
    """Module -> the shared modules it imports (a `from pkg import name` counts as pkg or pkg.name)."""
    graph: dict[str, set[str]] = {}
    for module, imports in MODULES.items():
        targets = set()
        for imported in imports:
            if imported in MODULES:
                targets.add(imported)
            elif imported.rpartition(".")[0] in MODULES:
                targets.add(imported.rpartition(".")[0])
        targets.discard(module)
        graph[module] = targets
    return graph


def test_no_import_cycles_between_shared_modules() -> None:
    graph = _graph()
    # A package's __init__ re-exporting its own submodules is not a cycle of dependencies.
    for module, targets in graph.items():
        graph[module] = {t for t in targets if not _within(t, module)}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target] if target in path else [node, target])
            elif state.get(target) is None:
                visit(target, [*path, target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, f"import cycles: {cycles[:5]}"
