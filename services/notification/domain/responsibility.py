"""Routing by responsibility (pure): who must hear of an event although no one subscribed.

The programme's profile says who is responsible for what, so the right organisations hear of a
project by default, in their inbox:

- works starting on a project reach the departments and utility companies responsible for its
  catalogue items (Zhengzhou 2019 catalogue: item 8 fire and surveillance → Fire and Police;
  item 2 overhead lines → Industry-IT, Telecom office, Culture-Broadcasting and the power, telecom
  and cable-TV companies);
- an approved award reaches the department that approves and the one that pays it (the profile's
  award rule, e.g. Finance) and the project's district;
- a district named as lagging in a bulletin, or a project step deadline its project missed,
  reaches that district and the programme's office;
- a weekly report overdue reaches whoever owes it (the district, or the department: Kaifeng 七(六)
  各单位) and the programme's office.

Every recipient is still checked against the access rules (`shared.access.sees_event`) by the
caller, with the utilities assigned to the project's items named in the event view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.access import OrganisationKind, Principal
from shared.policy import (
    ProgrammeProfile,
    RuleAbsentError,
    UnknownItemError,
    award_approver,
    award_payer,
    responsible_departments,
    responsible_utilities,
)

WORKS_EVENTS = frozenset(
    {
        "registry.project.construction_started.v1",
        "registry.project.construction_completed.v1",
        "registry.project.acceptance_failed.v1",
    }
)
AWARD_EVENTS = frozenset({"funding.subsidy.approved.v1"})
LAGGING_EVENTS = frozenset({"reporting.district.lagging.v1", "registry.project.deadline_missed.v1"})
OVERDUE_REPORT_EVENTS = frozenset({"reporting.weekly_report.overdue.v1"})


@dataclass(frozen=True)
class Responsible:
    """Who is responsible for a project's items."""

    departments: tuple[str, ...]
    utilities: tuple[str, ...]


def responsible_for_items(profile: ProgrammeProfile, item_codes: Iterable[str]) -> Responsible:
    """Departments and utilities responsible for the items, in first-seen order; unknown items
    (a catalogue revised since) are skipped."""
    departments: dict[str, None] = {}
    utilities: dict[str, None] = {}
    for code in item_codes:
        try:
            departments.update(dict.fromkeys(responsible_departments(profile, code)))
            utilities.update(dict.fromkeys(responsible_utilities(profile, code)))
        except UnknownItemError:
            continue
    return Responsible(tuple(departments), tuple(utilities))


def recipients(
    event_type: str, data: Mapping[str, Any], profile: ProgrammeProfile, item_codes: Iterable[str]
) -> list[Principal]:
    """The organisations that must hear of this event by default (before the access check)."""
    district = data.get("district_code")
    found: list[Principal] = []
    if event_type in WORKS_EVENTS:
        responsible = responsible_for_items(profile, item_codes)
        found += [_org(code, OrganisationKind.DEPARTMENT) for code in responsible.departments]
        found += [_org(code, OrganisationKind.UTILITY) for code in responsible.utilities]
    elif event_type in AWARD_EVENTS:
        try:
            deciders = dict.fromkeys([award_approver(profile), award_payer(profile)])
        except RuleAbsentError:
            deciders = {}
        found += [_org(code, OrganisationKind.DEPARTMENT) for code in deciders]
        if district:
            found.append(_org(district, OrganisationKind.DISTRICT, district))
    elif event_type in LAGGING_EVENTS | OVERDUE_REPORT_EVENTS:
        if district:
            found.append(_org(district, OrganisationKind.DISTRICT, district))
        found += _report_owner(event_type, data, district)
        if profile.office is not None:
            found.append(_org(profile.office.code, OrganisationKind.OFFICE))
    return found


def _report_owner(event_type: str, data: Mapping[str, Any], district: str | None) -> list[Principal]:
    """Who owes an overdue report besides its district: its street office, or the department."""
    reporter = data.get("reporter_code")
    if event_type not in OVERDUE_REPORT_EVENTS or not reporter or reporter == district:
        return []
    if district:
        return [_org(str(reporter), OrganisationKind.STREET_OFFICE, district)]
    return [_org(str(reporter), OrganisationKind.DEPARTMENT)]


def _org(code: str, kind: OrganisationKind, district: str | None = None) -> Principal:
    return Principal(subject=f"responsible:{code}", org_code=code, org_kind=kind, district_code=district)
