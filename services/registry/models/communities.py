"""A surveyed community in the ledger (台账), with the fields DOMAIN.md lists."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import ConfigDict
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from services.registry.models.bounds import MAX_BUILDINGS, MAX_HOUSEHOLDS, Code, FloorArea
from shared.db.types import UtcDateTime
from shared.types import BODY, Count, Name


class CommunityBase(SQLModel):
    name: Name
    district_code: Code
    street_office: Name | None = None
    residents_committee: Name | None = None
    programme_code: Code
    built_year: int = Field(ge=1900, le=2100)
    buildings: Count(MAX_BUILDINGS, minimum=1)  # type: ignore[valid-type]
    households: Count(MAX_HOUSEHOLDS, minimum=1)  # type: ignore[valid-type]
    floor_area_m2: FloorArea
    exclusions: list[Code] = Field(
        default_factory=list,
        max_length=20,
        description="Exclusion codes of the programme that apply (e.g. shanty-town-programme).",
    )


class CommunityCreate(CommunityBase):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]


class Community(CommunityBase, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    exclusions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class CommunityPublic(CommunityBase):
    id: uuid.UUID
    created_at: datetime
