"""Payload minimisation for one reader (pure): the event as an organisation's role receives it.

The one place every channel asks (fan-out for webhooks, e-mail and inbox; the pull feed at read
time): the envelope stays a valid CloudEvent with `data` replaced by the projection of
`shared.policy.projections` for the reader's role. A webhook is signed over these projected
bytes, so the signature covers exactly what the receiver gets. Platform notices (`notification.*`)
are addressed to their reader and pass unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.notification.domain.notices import is_notice
from shared.access import OrganisationKind, Principal, approves_money
from shared.contracts.envelope import CloudEvent
from shared.policy import UnknownProgrammeError, get_profile
from shared.policy.projections import project_payload


def role_of(reader: Principal) -> str:
    """The reader's role in the projections: by kind, and money for the departments a profile
    names to approve or pay an award."""
    if reader.org_kind is OrganisationKind.DEPARTMENT and approves_money(reader):
        return "money_department"
    return reader.org_kind.value


def utility_items(utility_code: str, programme_code: str) -> frozenset[str]:
    """The catalogue items (codes and numbers) the programme gives to this utility company."""
    try:
        profile = get_profile(programme_code)
    except UnknownProgrammeError:
        return frozenset()
    found: set[str] = set()
    for item in profile.catalogue.items:
        if utility_code in item.responsible_utilities:
            found |= {item.code, str(item.number)}
    return frozenset(found)


def minimise_data(reader: Principal, event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as the reader's role receives it."""
    if is_notice(event_type):
        return dict(data)
    role = role_of(reader)
    if reader.org_kind is OrganisationKind.UTILITY:
        items = utility_items(reader.org_code, str(data.get("programme_code") or ""))
        return project_payload(role, data, own_items=items, own_code=reader.org_code)
    return project_payload(role, data)


def minimise(reader: Principal, envelope: CloudEvent) -> CloudEvent:
    """The envelope with its data projected for the reader."""
    return envelope.model_copy(update={"data": minimise_data(reader, envelope.type, envelope.data)})
