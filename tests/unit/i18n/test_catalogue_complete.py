"""Every rule code and problem type the source uses has its message in both languages.

The source is scanned (AST), not imported: a rule added anywhere in shared/ or services/ with
`FieldProblem(field, "code", ...)` (or an outbound-guard refusal that becomes one) and no
catalogue entry fails here, naming the file and line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.i18n import PROBLEM_TYPES, RULES
from shared.web.problems import _FALLBACK, _HTTP_KINDS, PROBLEM_KINDS

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [p for base in ("shared", "services") for p in sorted((ROOT / base).rglob("*.py"))]


def _calls(name: str) -> Iterator[tuple[Path, ast.Call]]:
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if called == name:
                    yield path, node


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def used_rule_codes() -> dict[str, str]:
    """Rule code -> first place it is used: FieldProblem rules, OutboundRefused rules (they reach
    FieldProblem as `refused.rule`), and the address rules of `address_problem`."""
    found: dict[str, str] = {}
    for name, position, keyword in (("FieldProblem", 1, "rule"), ("OutboundRefused", 0, "rule")):
        for path, call in _calls(name):
            code = _literal(_argument(call, position, keyword))
            if code:
                found.setdefault(code, f"{path.relative_to(ROOT)}:{call.lineno}")
    outbound = ROOT / "shared" / "outbound.py"
    for node in ast.walk(ast.parse(outbound.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef) and node.name == "address_problem":
            for inner in ast.walk(node):
                if isinstance(inner, ast.Tuple) and inner.elts and (code := _literal(inner.elts[0])):
                    found.setdefault(code, f"shared/outbound.py:{inner.lineno}")
    return found


def used_problem_types() -> dict[str, str]:
    """Problem type slug -> where: the mapped kinds, and every literal `problem_type=` argument."""
    found = {kind.type: "shared/web/problems.py" for _, kind in PROBLEM_KINDS}
    found[_FALLBACK.type] = "shared/web/problems.py"
    found.update({slug: "shared/web/problems.py" for slug, _ in _HTTP_KINDS.values()})
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "problem_type"
                and (slug := _literal(node.value))
            ):
                found.setdefault(slug, str(path.relative_to(ROOT)))
    return found


RULE_CODES = used_rule_codes()
PROBLEM_SLUGS = used_problem_types()


def test_the_scan_finds_the_rules_it_must_see() -> None:
    # guards the scanner itself: these are used in registry, funding, notification and the guard
    for code in (
        "lifecycle_order",
        "known_source",
        "duplicate_subscription",
        "private_address",
        "json_invalid",
    ):
        assert code in RULE_CODES
    assert {"validation", "internal", "content-too-large", "not-found"} <= set(PROBLEM_SLUGS)


@pytest.mark.parametrize("code", sorted(RULE_CODES))
def test_every_rule_code_has_a_message_in_chinese_and_english(code: str) -> None:
    entry = RULES.get(code)
    assert entry is not None, f"rule {code!r} ({RULE_CODES[code]}) has no entry in shared/i18n/catalogue.py"
    assert entry.en.strip() and entry.zh.strip()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in entry.zh), f"{code}: the zh message has no Chinese"


@pytest.mark.parametrize("slug", sorted(PROBLEM_SLUGS))
def test_every_problem_type_has_a_title_and_detail_in_chinese_and_english(slug: str) -> None:
    entry = PROBLEM_TYPES.get(slug)
    assert entry is not None, f"problem type {slug!r} ({PROBLEM_SLUGS[slug]}) has no catalogue entry"
    for text in (entry.title, entry.detail):
        assert text.en.strip() and text.zh.strip()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text.zh)


def test_the_english_titles_are_the_ones_the_api_always_sent() -> None:
    for _, kind in PROBLEM_KINDS:
        assert PROBLEM_TYPES[kind.type].title.en == kind.title
