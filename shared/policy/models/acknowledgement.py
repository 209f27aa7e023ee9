"""Events that ask a department to act, and how soon it must acknowledge them (issue 10).

A plan gives departments duties (Zhengzhou 2019 六: 市消防支队 inspects fire facilities and fire
lanes; 市财政局 funds the award); the platform turns the event that makes a duty due into an
action item for the department, which acknowledges receipt and later records what it did. An
acknowledgement overdue is escalated to the programme's leading-group office. None of the plans
sets an acknowledgement time, so every `acknowledge_within_hours` is this platform's reading
(`reading: platform`) for the office to confirm.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from shared.policy.models.base import Cited, Code, Named, Reading, Text

__all__ = [
    "ActionRequest",
    "ActionResponsible",
]


class ActionResponsible(StrEnum):
    """Who the event asks to act."""

    ITEM_DEPARTMENTS = "item_departments"
    """Each listed department, when the project's approved plan has an item it is responsible for."""
    AWARD_APPROVER = "award_approver"
    """The department the award rule names to approve the award (`funding.award`)."""
    CENTRAL_ALLOCATOR = "central_allocator"
    """The department that allocates central subsidy funds (`funding.central_subsidy.roles`)."""


class ActionRequest(Cited, Named):
    """One kind of action item: the event that asks for it, who acts, and the acknowledgement due.

    `completed_by` names events that record the action taken on their own (the award approved
    records Finance's approval), so a department is not asked to say twice what the platform saw.
    """

    event_type: Text = Field(pattern=r"^[a-z_]+(\.[a-z_]+)+\.v\d+$")
    responsible: ActionResponsible
    departments: tuple[Code, ...] = ()
    acknowledge_within_hours: int = Field(ge=1, le=24 * 30)
    completed_by: tuple[Text, ...] = ()
    match_on: Text = Field(default="project_id", pattern=r"^[a-z_]+$")
    """The payload field that ties a completing event to the item (the project, the allocation)."""
    reading: Reading = Reading.PLATFORM

    @model_validator(mode="after")
    def _who(self) -> ActionRequest:
        if self.responsible is ActionResponsible.ITEM_DEPARTMENTS and not self.departments:
            raise ValueError("departments: item_departments needs the departments that act")
        if self.responsible is not ActionResponsible.ITEM_DEPARTMENTS and self.departments:
            raise ValueError(f"departments: {self.responsible} comes from the funding rules, not a list")
        return self
