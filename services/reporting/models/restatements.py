"""Restatements: published figures that events arriving later have changed since."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlmodel import Field, SQLModel


class Publication(StrEnum):
    BULLETIN = "bulletin"
    EVALUATION = "evaluation"


class RestatementPublic(SQLModel):
    """One figure of one district in a published bulletin or evaluation, then and now."""

    publication: Publication
    publication_id: uuid.UUID
    period: str = Field(description="The week (2026-W47) or month (2026-10) published.")
    as_of: date
    district_code: str
    figure: str
    published: int
    now: int = Field(description="The same figure recomputed now, as of the same day.")
    change: int
