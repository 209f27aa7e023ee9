from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from shared.access import OrganisationKind
from tests.support import tokens
from tests.unit.web.app_under_test import build


@pytest.fixture
def client() -> TestClient:
    return TestClient(build(), raise_server_exceptions=False)


@pytest.fixture
def district() -> dict[str, str]:
    return tokens.district()


@pytest.fixture
def as_org():  # type: ignore[no-untyped-def]
    def headers(org: str) -> dict[str, str]:
        return tokens.bearer(tokens.token(org, OrganisationKind.DISTRICT, district=org))

    return headers
