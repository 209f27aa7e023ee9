"""Property takeover (物业接管) and the ledger close-out (销号)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from services.registry.models.bounds import MAX_LIST_ITEMS, Code
from shared.types import BODY, Name, Note, ProcessDate


class PropertyTakeover(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    taken_over_on: ProcessDate
    mode: Code = Field(description="A takeover mode the programme's profile names.")
    manager: Name = Field(description="The managing company or body.")
    service_level: Code | None = Field(default=None, description="A service level from the profile.")
    commitments: list[Code] = Field(
        default_factory=list,
        max_length=MAX_LIST_ITEMS,
        description="Service item codes (default: the level's).",
    )


class CloseOut(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    closed_on: ProcessDate
    note: Note | None = None
