"""The public shared library is documented like httpx and aiokafka (issue 6 item 9).

Read statically (AST), so nothing is imported or run. For every module under shared/:

- it has a module docstring and a literal `__all__` of strings;
- every name in `__all__` is defined (or imported) at module level and public, and every public
  function or class the module defines is in `__all__` (so none escapes the checks below);
- every public function in `__all__`, and every public method of a class in `__all__`, has a
  docstring; one that takes parameters besides self/cls has an ``Args:`` section, and one that
  raises on purpose (a ``raise SomeError`` in its own body) has a ``Raises:`` section;
- every class in `__all__` has a docstring, and one whose ``__init__`` takes parameters documents
  them under ``Args:`` (in the class or ``__init__`` docstring).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SHARED = ROOT / "shared"

EXEMPT: frozenset[str] = frozenset()
"""Modules not (yet) held to these rules: none. Add one only with the reason beside it."""


ANY_FUNCTION = (ast.FunctionDef, ast.AsyncFunctionDef)


def _exempt(path: Path) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    exempt = EXEMPT
    return any(relative == entry or relative.startswith(entry + "/") for entry in exempt)


MODULES = sorted(p for p in SHARED.rglob("*.py") if not _exempt(p))


def _id(path: Path, root: Path = ROOT) -> str:
    return path.relative_to(root).as_posix()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _dunder_all(tree: ast.Module) -> list[str] | None:
    """The literal `__all__` of a module, or None when it has none."""
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
            value = node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
            value = node.value
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            if not isinstance(value, ast.List | ast.Tuple):
                return None
            return [elt.value for elt in value.elts if isinstance(elt, ast.Constant)]
    return None


def _bound_names(nodes: list[ast.stmt]) -> set[str]:
    """Names bound at this level, including inside `if`/`try` blocks (e.g. TYPE_CHECKING)."""
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, (*ANY_FUNCTION, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.If | ast.Try):
            names |= _bound_names(node.body + node.orelse + getattr(node, "finalbody", []))
            for handler in getattr(node, "handlers", []):
                names |= _bound_names(handler.body)
    return names


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = function.args
    every = args.posonlyargs + args.args + args.kwonlyargs
    names = [a.arg for a in every]
    if args.vararg:
        names.append(args.vararg.arg)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return [n for n in names if n not in ("self", "cls")]


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """The nodes of `function`'s body, not descending into nested functions or classes."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (*ANY_FUNCTION, ast.ClassDef, ast.Lambda)):
                stack.append(child)


def _raises_on_purpose(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A `raise X` in the function's own body (a bare re-raise does not count)."""
    return any(
        isinstance(node, ast.Raise)
        and node.exc is not None
        and not (isinstance(node.exc, ast.Name) and node.exc.id == "NotImplementedError")
        for node in _own_nodes(function)
    )


def _is_overload(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        (isinstance(d, ast.Name) and d.id == "overload")
        or (isinstance(d, ast.Attribute) and d.attr == "overload")
        for d in function.decorator_list
    )


def _function_problems(function: ast.FunctionDef | ast.AsyncFunctionDef, where: str) -> list[str]:
    if _is_overload(function):
        return []
    doc = ast.get_docstring(function)
    if not doc:
        return [f"{where}: no docstring"]
    problems = []
    if _parameters(function) and "Args:" not in doc:
        problems.append(f"{where}: takes {', '.join(_parameters(function))} but has no Args: section")
    if _raises_on_purpose(function) and "Raises:" not in doc:
        problems.append(f"{where}: raises on purpose but has no Raises: section")
    return problems


def _class_problems(cls: ast.ClassDef, where: str) -> list[str]:
    doc = ast.get_docstring(cls) or ""
    problems = [] if doc else [f"{where}: no docstring"]
    for node in cls.body:
        if not isinstance(node, ANY_FUNCTION):
            continue
        if node.name == "__init__":
            init_doc = ast.get_docstring(node) or ""
            if _parameters(node) and "Args:" not in doc + init_doc:
                problems.append(f"{where}.__init__: takes parameters but neither docstring has Args:")
            continue
        if node.name.startswith("_"):
            continue
        problems += _function_problems(node, f"{where}.{node.name}")
    return problems


def _documentation_problems(path: Path, root: Path = ROOT) -> list[str]:
    """Every way `path` falls short, each naming the module (relative to `root`) and the name."""
    tree = _tree(path)
    name = _id(path, root)
    exported = _dunder_all(tree)
    if exported is None:
        return [f"{name}: no literal __all__"]
    problems = [] if ast.get_docstring(tree) else [f"{name}: no module docstring saying why it exists"]
    defined = _bound_names(tree.body)
    problems += [f"{name}: __all__ names {n!r}, which is not defined" for n in exported if n not in defined]
    problems += [f"{name}: __all__ names private {n!r}" for n in exported if n.startswith("_")]
    problems += [
        f"{name}: public {node.name!r} is neither in __all__ nor private (prefix it with _)"
        for node in tree.body
        if isinstance(node, (*ANY_FUNCTION, ast.ClassDef))
        and not node.name.startswith("_")
        and node.name not in exported
    ]
    for node in tree.body:
        if getattr(node, "name", None) not in exported:
            continue
        if isinstance(node, ANY_FUNCTION):
            problems += _function_problems(node, f"{name}:{node.name}")
        elif isinstance(node, ast.ClassDef):
            problems += _class_problems(node, f"{name}:{node.name}")
    return problems


@pytest.mark.parametrize("path", MODULES, ids=_id)
def test_public_shared_module_is_documented(path: Path) -> None:
    problems = _documentation_problems(path)
    assert not problems, "\n".join(problems)


def test_the_checker_catches_an_undocumented_module(tmp_path: Path) -> None:
    module = tmp_path / "undocumented.py"
    module.write_text(
        '"""Why."""\n'
        '__all__ = ["ghost", "bare", "terse", "Thing"]\n'
        "def bare(x): return x\n"
        'def terse(x):\n    """Does it."""\n    raise ValueError(x)\n'
        'class Thing:\n    """A thing."""\n    def __init__(self, size): ...\n'
        "    def act(self): ...\n"
        'def stray():\n    """Not exported."""\n'
    )
    problems = "\n".join(_documentation_problems(module, tmp_path))
    assert "'ghost', which is not defined" in problems
    assert "bare: no docstring" in problems
    assert "terse: takes x but has no Args:" in problems
    assert "terse: raises on purpose but has no Raises:" in problems
    assert "Thing.__init__: takes parameters" in problems
    assert "Thing.act: no docstring" in problems
    assert "public 'stray' is neither in __all__ nor private" in problems


def test_the_checker_requires_dunder_all(tmp_path: Path) -> None:
    module = tmp_path / "no_all.py"
    module.write_text('"""Why."""\n\ndef f():\n    """Does it."""\n')
    assert _documentation_problems(module, tmp_path) == [f"{module.name}: no literal __all__"]


def test_the_checker_accepts_a_documented_module(tmp_path: Path) -> None:
    module = tmp_path / "documented.py"
    module.write_text(
        '"""Why it exists."""\n'
        'from os import path\n__all__ = ["path", "half"]\n'
        "def half(x):\n"
        '    """Half of it.\n\n    Args:\n        x: even.\n\n    Raises:\n        ValueError: odd.\n    """\n'
        "    if x % 2:\n        raise ValueError(x)\n    return x // 2\n"
        "def _private(y): return y\n"
    )
    assert _documentation_problems(module, tmp_path) == []
