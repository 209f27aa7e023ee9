"""The access matrix's cells the end-to-end matrix leaves out, against the real service apps.

Each app is the one `create_*_app` builds, its routes over a migrated SQLite database (the handler
tier's harness) without Kafka: the scope gate, the record rules and the problem answers are the
production ones. The rows follow the table in `shared/access.py`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.funding.main import create_funding_app
from services.funding.settings import FundingSettings
from services.registry.main import create_registry_app
from services.registry.settings import RegistrySettings
from services.reporting.main import create_reporting_app
from services.reporting.settings import ReportingSettings
from shared.access import OrganisationKind
from tests.handlers.harness import ServiceHarness
from tests.support import tokens
from tests.support.factories import community_body

ERQI = "zz-erqi"
SETTINGS: dict[str, Callable[[], Any]] = {
    "registry": lambda: RegistrySettings(environment="test"),
    "funding": lambda: FundingSettings(environment="test"),
    "reporting": lambda: ReportingSettings(environment="test"),
}
APPS: dict[str, Callable[[Any], FastAPI]] = {
    "registry": create_registry_app,
    "funding": create_funding_app,
    "reporting": create_reporting_app,
}


def _scoped(kind: OrganisationKind, scopes: list[str], district: str | None = "zz-jinshui") -> dict[str, str]:
    """A token for `kind` that carries only `scopes` (a narrowed or mis-issued token)."""
    return tokens.bearer(tokens.token(f"scoped-{kind.value}", kind, district=district, scopes=scopes))


def _organisation() -> dict[str, Any]:
    return {"code": "zz-x", "kind": "district", "name_zh": "某区", "name_en": "Some District"}


_AWARD = f"/awards/{uuid.UUID(int=1)}/approval"

# (why, service, identity, method, path, body, expected status)
CELLS: list[tuple[str, str, Callable[[], dict[str, str]], str, str, Any, int]] = [
    (
        "office cannot write the ledger",
        "registry",
        tokens.office,
        "POST",
        "/communities",
        community_body(),
        403,
    ),
    (
        "utility cannot write the ledger",
        "registry",
        tokens.utility,
        "POST",
        "/communities",
        community_body(),
        403,
    ),
    ("utility cannot approve money", "funding", tokens.utility, "POST", _AWARD, None, 403),
    ("department cannot read the audit trail", "registry", tokens.department, "GET", "/audit", None, 403),
    (
        "department cannot read funding's audit trail",
        "funding",
        tokens.department,
        "GET",
        "/audit",
        None,
        403,
    ),
    ("utility cannot read the audit trail", "registry", tokens.utility, "GET", "/audit", None, 403),
    (
        "department cannot administer the directory",
        "registry",
        tokens.department,
        "POST",
        "/organisations",
        _organisation(),
        403,
    ),
    (
        "utility cannot administer the directory",
        "registry",
        tokens.utility,
        "POST",
        "/organisations",
        _organisation(),
        403,
    ),
    ("department reads the rollups", "reporting", tokens.department, "GET", "/rollups/districts", None, 200),
    ("office reads the audit trail", "registry", tokens.office, "GET", "/audit", None, 200),
    (
        "street office cannot register in another district",
        "registry",
        tokens.street_office,
        "POST",
        "/communities",
        community_body(district_code=ERQI),
        403,
    ),
    (
        "street office registers in its own district",
        "registry",
        tokens.street_office,
        "POST",
        "/communities",
        community_body(),
        201,
    ),
    (
        "a district token without registry:write cannot write the ledger",
        "registry",
        lambda: _scoped(OrganisationKind.DISTRICT, ["registry:read"]),
        "POST",
        "/communities",
        community_body(),
        403,
    ),
    (
        "a district token without registry:read cannot read the ledger",
        "registry",
        lambda: _scoped(OrganisationKind.DISTRICT, ["registry:write"]),
        "GET",
        "/communities",
        None,
        403,
    ),
    (
        "an office token without audit:read cannot read the audit trail",
        "registry",
        lambda: _scoped(OrganisationKind.OFFICE, ["registry:read"], district=None),
        "GET",
        "/audit",
        None,
        403,
    ),
    (
        "a department token without reporting:read cannot read rollups",
        "reporting",
        lambda: _scoped(OrganisationKind.DEPARTMENT, ["registry:read"], district=None),
        "GET",
        "/rollups/districts",
        None,
        403,
    ),
]


@pytest.mark.parametrize(
    ("why", "service", "identity", "method", "path", "body", "expected"),
    CELLS,
    ids=[cell[0] for cell in CELLS],
)
async def test_access_matrix_cell_is_enforced(
    harness_for, why: str, service: str, identity, method: str, path: str, body: Any, expected: int
) -> None:  # type: ignore[no-untyped-def]
    harness: ServiceHarness = await harness_for(service)
    settings = SETTINGS[service]()
    app = APPS[service](settings)
    app.state.runtime = SimpleNamespace(
        settings=settings,
        engine=harness.engine,
        unit_of_work=harness.unit_of_work,
        clock=harness.clock,
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.request(method, path, json=body, headers=identity())
    assert response.status_code == expected, f"{why}: {response.status_code} {response.text[:300]}"
    if expected >= 400:
        assert response.headers["content-type"] == "application/problem+json", why
    if expected == 403 and method == "POST":
        assert await harness.audit_actions() == [], f"{why}: a refused write left an audit entry"
