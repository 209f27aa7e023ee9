"""Reporting's handler tests start with no rollup statement cached, so each test runs the
statements the code builds now (a statement cached by an earlier test, or by the process a
mutation run forks from, would otherwise be what it checks)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.reporting.handlers import rollups


@pytest.fixture(autouse=True)
def _fresh_rollup_statements() -> Iterator[None]:
    rollups._rollup_statement.cache_clear()
    yield
