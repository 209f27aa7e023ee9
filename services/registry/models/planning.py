"""The project's plan (实施方案, 投资计划, 任务清单): items from the programme's catalogue."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from services.registry.models.bounds import MAX_LIST_ITEMS, Code
from shared.types import BODY, Fen, Name, ProcessDate


class PlannedItem(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    item_code: Code = Field(description="The item's code in the programme's catalogue.")
    investment_fen: Fen
    tasks: list[Name] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)


class PlanSubmission(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    submitted_on: ProcessDate
    items: list[PlannedItem] = Field(min_length=1, max_length=MAX_LIST_ITEMS)


class PlanApproval(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    approved_on: ProcessDate
    version: int = Field(strict=True, ge=1, le=1000, description="The submitted version approved.")
