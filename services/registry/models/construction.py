"""Works on site: start, progress per item, completion."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from services.registry.models.bounds import MAX_LIST_ITEMS, Code, Percent
from shared.types import BODY, Note, ProcessDate


class ConstructionStart(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    started_on: ProcessDate


class ItemProgressIn(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    item_code: Code
    percent_complete: Percent


class ProgressReport(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    reported_on: ProcessDate
    items: list[ItemProgressIn] = Field(min_length=1, max_length=MAX_LIST_ITEMS)
    note: Note | None = None


class ConstructionCompletion(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    completed_on: ProcessDate
