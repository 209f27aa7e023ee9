"""Which departments an event asks to act, and which events record the action on their own.

Why here: who acts follows the plan in force (its catalogue's responsibility matrix and its award
rule), so a service asks these functions and never names a department itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.policy.errors import RuleAbsentError, UnknownItemError
from shared.policy.models.acknowledgement import ActionRequest, ActionResponsible
from shared.policy.models.profile import ProgrammeProfile
from shared.policy.rules.catalogue import responsible_departments
from shared.policy.rules.funding import award_approver

__all__ = [
    "ActionDue",
    "actions_asked",
    "actions_completed",
]


@dataclass(frozen=True)
class ActionDue:
    """One department asked to act by one kind of request."""

    request: ActionRequest
    department: str


def _item_departments(profile: ProgrammeProfile, item_codes: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for code in item_codes:
        try:
            found.update(responsible_departments(profile, code))
        except UnknownItemError:
            continue  # a catalogue revised since the plan was approved
    return found


def actions_asked(profile: ProgrammeProfile, event_type: str, item_codes: Iterable[str]) -> list[ActionDue]:
    """The action items an event creates, in the profile's order, one per department and request.

    Args:
        profile: the programme's profile.
        event_type: the event's versioned type.
        item_codes: the project's approved catalogue items (for item-bound requests).

    Returns:
        The departments asked to act and why; empty when the event asks nothing.
    """
    requests = [r for r in profile.action_requests if r.event_type == event_type]
    if not requests:
        return []
    responsible = _item_departments(profile, item_codes)
    found: list[ActionDue] = []
    for request in requests:
        if request.responsible is ActionResponsible.ITEM_DEPARTMENTS:
            found += [ActionDue(request, d) for d in request.departments if d in responsible]
        elif request.responsible is ActionResponsible.AWARD_APPROVER:
            try:
                found.append(ActionDue(request, award_approver(profile)))
            except RuleAbsentError:
                continue
        else:
            central = profile.funding.central_subsidy if profile.funding else None
            if central is not None and central.roles is not None:
                found.append(ActionDue(request, central.roles.allocator_department))
    return found


def actions_completed(profile: ProgrammeProfile, event_type: str) -> list[ActionRequest]:
    """The requests whose action an event records on its own (e.g. the award approved).

    Args:
        profile: the programme's profile.
        event_type: the event's versioned type.

    Returns:
        The requests completed by this type of event.
    """
    return [r for r in profile.action_requests if event_type in r.completed_by]
