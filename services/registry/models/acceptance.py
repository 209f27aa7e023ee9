"""Joint completion acceptance (竣工验收): the signed form, or the defects that send it back."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from services.registry.models.bounds import MAX_LIST_ITEMS, Code
from shared.types import BODY, Fen, Name, Note, ProcessDate


class SignOffIn(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    role: Code = Field(description="A role from the programme's acceptance sign-offs.")
    signatory: Name
    signed_on: ProcessDate


class AcceptanceForm(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    accepted_on: ProcessDate
    accepted_investment_fen: Fen = Field(description="The investment stated at acceptance, in fen.")
    sign_offs: list[SignOffIn] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    confirm_over_plan: bool = Field(
        default=False, description="Confirms an investment above OVER_PLAN_FACTOR × the plan."
    )


class DefectIn(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    description: Note
    recorded_by: Code = Field(description="The role that recorded it (a sign-off role or the organiser).")
    item_code: Code | None = None


class AcceptanceFailure(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    inspected_on: ProcessDate
    defects: list[DefectIn] = Field(min_length=1, max_length=MAX_LIST_ITEMS)


class Rectification(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    rectified_on: ProcessDate
    note: Note | None = None
