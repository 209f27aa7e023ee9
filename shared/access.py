"""Who may do what: the platform's authorization rules as pure functions, in one place.

| action                         | office | department | district / street office | utility |
|--------------------------------|--------|------------|--------------------------|---------|
| read ledger (communities, projects) | all | all     | own district only (else 404) | no  |
| write ledger                   | no     | no         | own district only (else 404) | no      |
| read awards                    | all    | all        | own district only            | no      |
| approve / disburse money       | no     | Finance only | no                         | no      |
| read rollups                   | all    | all        | own district only            | no      |
| subscribe to events            | own org | own org   | own org                      | own org |
| read the audit trail           | yes    | no         | no                           | no      |
| administer the directory       | yes    | no         | no                           | no      |

Scopes are the coarse gate checked at the route (a token must carry e.g. `registry:write`); the
functions here are the fine rules checked against the record. Another tenant's record is reported
as not found (404), so ids cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from shared.directory.models import OrganisationKind

FINANCE_CODE = "finance"


class Scope(StrEnum):
    REGISTRY_READ = "registry:read"
    REGISTRY_WRITE = "registry:write"
    FUNDING_READ = "funding:read"
    FUNDING_APPROVE = "funding:approve"
    REPORTING_READ = "reporting:read"
    NOTIFICATION_SUBSCRIBE = "notification:subscribe"
    AUDIT_READ = "audit:read"
    DIRECTORY_ADMIN = "directory:admin"


@dataclass(frozen=True)
class Principal:
    """The caller, from a verified token: who (subject), for which organisation, allowed what."""

    subject: str
    org_code: str
    org_kind: OrganisationKind
    scopes: frozenset[str] = field(default_factory=frozenset)
    district_code: str | None = None

    @property
    def is_district_bound(self) -> bool:
        return self.org_kind in (OrganisationKind.DISTRICT, OrganisationKind.STREET_OFFICE)


def system_actor(service: str) -> Principal:
    """The actor recorded for writes a service makes on its own, in reaction to an event."""
    return Principal(subject=f"system:{service}", org_code="system", org_kind=OrganisationKind.OFFICE)


_READ_ALL = {Scope.REGISTRY_READ, Scope.FUNDING_READ, Scope.REPORTING_READ}
DEFAULT_SCOPES: dict[OrganisationKind, frozenset[str]] = {
    OrganisationKind.OFFICE: frozenset(
        {*_READ_ALL, Scope.NOTIFICATION_SUBSCRIBE, Scope.AUDIT_READ, Scope.DIRECTORY_ADMIN}
    ),
    OrganisationKind.DEPARTMENT: frozenset({*_READ_ALL, Scope.NOTIFICATION_SUBSCRIBE}),
    OrganisationKind.DISTRICT: frozenset({*_READ_ALL, Scope.REGISTRY_WRITE, Scope.NOTIFICATION_SUBSCRIBE}),
    OrganisationKind.STREET_OFFICE: frozenset(
        {*_READ_ALL, Scope.REGISTRY_WRITE, Scope.NOTIFICATION_SUBSCRIBE}
    ),
    OrganisationKind.UTILITY: frozenset({Scope.NOTIFICATION_SUBSCRIBE}),
}


def default_scopes(kind: OrganisationKind, org_code: str) -> frozenset[str]:
    """The scopes an organisation's client gets by default; only Finance may approve money."""
    scopes = DEFAULT_SCOPES[kind]
    if kind is OrganisationKind.DEPARTMENT and org_code == FINANCE_CODE:
        scopes = scopes | {Scope.FUNDING_APPROVE}
    return scopes


def sees_district(principal: Principal, district_code: str) -> bool:
    """May read records of `district_code`: district-bound callers see only their own district."""
    if principal.org_kind is OrganisationKind.UTILITY:
        return False
    if principal.is_district_bound:
        return principal.district_code == district_code
    return True


def writes_district(principal: Principal, district_code: str) -> bool:
    """May write the ledger of `district_code`: only that district and its street offices."""
    return principal.is_district_bound and principal.district_code == district_code


def approves_money(principal: Principal) -> bool:
    """Only the Finance bureau approves and disburses subsidies."""
    return principal.org_kind is OrganisationKind.DEPARTMENT and principal.org_code == FINANCE_CODE


def visible_district(principal: Principal) -> str | None:
    """The one district a list must be narrowed to, or None when the caller sees all."""
    return principal.district_code if principal.is_district_bound else None
