"""Bearer tokens for each kind of organisation, signed with the fixed secret of `environment=test`."""

from __future__ import annotations

from shared.access import OrganisationKind
from shared.settings import TEST_JWT_SECRET
from shared.web.auth import issue_token


def token(
    org_code: str, kind: OrganisationKind, district: str | None = None, scopes: list[str] | None = None
) -> str:
    return issue_token(
        TEST_JWT_SECRET, org_code=org_code, org_kind=kind, district_code=district, scopes=scopes
    )


def bearer(token_value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_value}"}


def district(code: str = "zz-jinshui") -> dict[str, str]:
    return bearer(token(code, OrganisationKind.DISTRICT, district=code))


def street_office(code: str = "zz-jinshui-wenhualu", district_code: str = "zz-jinshui") -> dict[str, str]:
    return bearer(token(code, OrganisationKind.STREET_OFFICE, district=district_code))


def finance() -> dict[str, str]:
    return bearer(token("finance", OrganisationKind.DEPARTMENT))


def department(code: str = "housing") -> dict[str, str]:
    return bearer(token(code, OrganisationKind.DEPARTMENT))


def office() -> dict[str, str]:
    return bearer(token("zz-renovation-office", OrganisationKind.OFFICE))


def utility(code: str = "power") -> dict[str, str]:
    return bearer(token(code, OrganisationKind.UTILITY))


# who each service's default test client acts as
DEFAULT_IDENTITY = {
    "registry": district,
    "funding": finance,
    "reporting": office,
    "notification": finance,
}


def issue_token_with_secret(secret: str) -> str:
    """A well-formed district token signed with a key the platform does not trust."""
    return issue_token(
        secret, org_code="zz-jinshui", org_kind=OrganisationKind.DISTRICT, district_code="zz-jinshui"
    )
