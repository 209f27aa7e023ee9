"""Who may do what: the platform's authorization rules as pure functions, in one place.

| action                         | office | department | district / street office | utility |
|--------------------------------|--------|------------|--------------------------|---------|
| read ledger (communities, projects) | all | all     | own district only (else 404) | no  |
| write ledger                   | no     | no         | own district only (else 404) | no      |
| pipeline work (registry)       | list   | list       | own district: assign, exempt | own: start, finish |
| read awards                    | all    | all        | own district only            | no      |
| approve / disburse money       | no     | the department the profile names (Finance) | no | no |
| read rollups                   | all    | all        | own district only            | no      |
| subscribe to events            | own org | own org   | own org                      | own org |
| hear ledger events (registry.*) | all   | all        | own district only            | own pipeline work |
| hear money events (funding.*)  | all    | all        | own district only            | no      |
| hear rollup events (reporting.*) | all  | all        | own district only            | no      |
| read the audit trail           | yes    | no         | no                           | no      |
| administer the directory       | yes    | no         | no                           | no      |

Scopes are the coarse gate checked at the route (a token must carry e.g. `registry:write`); the
functions here are the fine rules checked against the record. Another tenant's record is reported
as not found (404), so ids cannot be probed.

Events follow the same rules as reads (`sees_event`): whatever carries an event to an organisation
(webhook, e-mail, inbox, feed) asks here, so an event never tells a tenant what a read would not.
An event type's family is its producer's prefix; a family not listed is heard by no one until it
is added here (fail closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from shared.directory.models import OrganisationKind

__all__ = [
    "DEFAULT_SCOPES",
    "EVENT_FAMILY_PREFIXES",
    "HEARD_FAMILIES",
    "UTILITY_ASSIGNMENT_FIELDS",
    "EventFamily",
    "OrganisationKind",
    "Principal",
    "Scope",
    "approves_money",
    "money_departments",
    "assigned_to_utility",
    "default_scopes",
    "event_district",
    "event_family",
    "may_subscribe",
    "sees_district",
    "sees_event",
    "system_actor",
    "visible_district",
    "writes_district",
]


class Scope(StrEnum):
    """The coarse rights a token carries, checked at the route."""

    REGISTRY_READ = "registry:read"
    REGISTRY_WRITE = "registry:write"
    FUNDING_READ = "funding:read"
    FUNDING_APPROVE = "funding:approve"
    REPORTING_READ = "reporting:read"
    NOTIFICATION_SUBSCRIBE = "notification:subscribe"
    AUDIT_READ = "audit:read"
    DIRECTORY_ADMIN = "directory:admin"
    PIPELINE_REPORT = "registry:pipeline"  # a utility lists, starts and completes its own pipeline work


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
        """Districts and street offices act for one district only."""
        return self.org_kind in (OrganisationKind.DISTRICT, OrganisationKind.STREET_OFFICE)


def system_actor(service: str) -> Principal:
    """The actor recorded for writes a service makes on its own, in reaction to an event.

    Args:
        service: the service's name, recorded as the subject ``system:<service>``.
    """
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
    OrganisationKind.UTILITY: frozenset({Scope.NOTIFICATION_SUBSCRIBE, Scope.PIPELINE_REPORT}),
}


@cache
def money_departments() -> frozenset[str]:
    """The departments some programme's profile names to approve or pay its city award.

    The profiles are the one home of that rule (`shared.policy.award_approver` / `award_payer`);
    today every bundled plan names Finance (财政局).

    Returns:
        Their organisation codes.
    """
    from shared.policy import RuleAbsentError, award_approver, award_payer, bundled_profiles

    codes: set[str] = set()
    for profile in bundled_profiles().values():
        try:
            codes |= {award_approver(profile), award_payer(profile)}
        except RuleAbsentError:
            continue
    return frozenset(codes)


def default_scopes(kind: OrganisationKind, org_code: str) -> frozenset[str]:
    """The scopes an organisation's client gets by default; the money scope only for a department
    a profile names to approve or pay an award (the programme's own check is in funding).

    Args:
        kind: the organisation's kind.
        org_code: its code.
    """
    scopes = DEFAULT_SCOPES[kind]
    if kind is OrganisationKind.DEPARTMENT and org_code in money_departments():
        scopes = scopes | {Scope.FUNDING_APPROVE}
    return scopes


def sees_district(principal: Principal, district_code: str) -> bool:
    """May read records of `district_code`: district-bound callers see only their own district.

    Args:
        principal: the caller.
        district_code: the record's district.
    """
    if principal.org_kind is OrganisationKind.UTILITY:
        return False
    if principal.is_district_bound:
        return principal.district_code == district_code
    return True


def writes_district(principal: Principal, district_code: str) -> bool:
    """May write the ledger of `district_code`: only that district and its street offices.

    Args:
        principal: the caller.
        district_code: the record's district.
    """
    return principal.is_district_bound and principal.district_code == district_code


def approves_money(principal: Principal) -> bool:
    """Whether the caller is a department some profile names to approve or pay an award (the
    coarse rule; funding checks the programme's own approver and payer on the record).

    Args:
        principal: the caller.
    """
    return principal.org_kind is OrganisationKind.DEPARTMENT and principal.org_code in money_departments()


def visible_district(principal: Principal) -> str | None:
    """The one district a list must be narrowed to, or None when the caller sees all.

    Args:
        principal: the caller.
    """
    return principal.district_code if principal.is_district_bound else None


class EventFamily(StrEnum):
    """What an event is about, which decides who may hear it."""

    LEDGER = "ledger"  # communities, projects and their steps (the registry's 台账)
    MONEY = "money"  # awards, adjustments, disbursements (funding)
    ROLLUP = "rollup"  # district figures and warnings (reporting)


EVENT_FAMILY_PREFIXES: Mapping[str, EventFamily] = {
    "registry.": EventFamily.LEDGER,
    "funding.": EventFamily.MONEY,
    "reporting.": EventFamily.ROLLUP,
}
"""Event type prefix → family. A new producer adds its prefix here, or its events reach no one."""

HEARD_FAMILIES: Mapping[OrganisationKind, frozenset[EventFamily]] = {
    OrganisationKind.OFFICE: frozenset(EventFamily),
    OrganisationKind.DEPARTMENT: frozenset(EventFamily),
    OrganisationKind.DISTRICT: frozenset(EventFamily),
    OrganisationKind.STREET_OFFICE: frozenset(EventFamily),
    OrganisationKind.UTILITY: frozenset({EventFamily.LEDGER}),
}
"""The families each kind of organisation may hear at all (and so subscribe to). A utility hears
ledger events only, and of those only pipeline work assigned to it (`UTILITY_ASSIGNMENT_FIELDS`)."""

UTILITY_ASSIGNMENT_FIELDS = ("utility_code", "utility_codes", "assigned_utilities")
"""Payload fields by which a ledger event names the utility companies whose work it is."""


def event_family(event_type: str) -> EventFamily | None:
    """The family of a versioned event type, or None for a producer this module does not know.

    Args:
        event_type: e.g. ``registry.project.accepted.v1``.
    """
    return next((f for prefix, f in EVENT_FAMILY_PREFIXES.items() if event_type.startswith(prefix)), None)


def may_subscribe(kind: OrganisationKind, event_type: str) -> bool:
    """May an organisation of `kind` subscribe to `event_type` (would it ever hear one)?

    Args:
        kind: the subscribing organisation's kind.
        event_type: a versioned event type.
    """
    family = event_family(event_type)
    return family is not None and family in HEARD_FAMILIES[kind]


def event_district(envelope_district: str | None, data: Mapping[str, Any]) -> str | None:
    """The one district an event concerns: the envelope's `districtcode` and the payload's
    `district_code` must agree; when they disagree (or neither is set) the event has no district
    a district-bound reader may claim, and None is returned.

    Args:
        envelope_district: the CloudEvent's `districtcode` extension.
        data: the event's payload as JSON.
    """
    payload_district = data.get("district_code")
    if envelope_district and payload_district and envelope_district != payload_district:
        return None
    found = envelope_district or payload_district
    return str(found) if found else None


def assigned_to_utility(org_code: str, data: Mapping[str, Any]) -> bool:
    """Does a ledger event's payload assign the work it describes to utility `org_code`?

    Args:
        org_code: the utility company's code.
        data: the event's payload as JSON (fields named in `UTILITY_ASSIGNMENT_FIELDS`).
    """
    for name in UTILITY_ASSIGNMENT_FIELDS:
        value = data.get(name)
        if value == org_code or (isinstance(value, list | tuple) and org_code in value):
            return True
    return False


def sees_event(
    principal: Principal, event_type: str, envelope_district: str | None, data: Mapping[str, Any]
) -> bool:
    """May `principal` hear this event, by any channel? The same answer a read over HTTP gives.

    Args:
        principal: the organisation that would hear it (a subscriber, a feed reader).
        event_type: the event's versioned type.
        envelope_district: the CloudEvent's `districtcode` extension.
        data: the event's payload as JSON.

    Returns:
        True when the event's family is heard by the organisation's kind and the record is one it
        may read: its own district for districts and street offices, its own assigned pipeline work
        for utilities, everything for departments and the office.
    """
    family = event_family(event_type)
    if family is None or family not in HEARD_FAMILIES[principal.org_kind]:
        return False
    if principal.org_kind is OrganisationKind.UTILITY:
        return family is EventFamily.LEDGER and assigned_to_utility(principal.org_code, data)
    district = event_district(envelope_district, data)
    if principal.is_district_bound:
        return district is not None and sees_district(principal, district)
    return True
