"""Demonstration areas (示范区): a named group of communities of one district (Zhengzhou 2018 四(一))."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column, Numeric
from sqlmodel import Field, SQLModel

from services.registry.models.bounds import MAX_LIST_ITEMS
from shared.db.types import UtcDateTime
from shared.types import BODY, Name, Note

AreaKm2 = Annotated[Decimal, Field(gt=0, le=100, max_digits=6, decimal_places=2)]
"""An area's size in km²: the plan's areas are about one square kilometre."""


class AreaCreate(BaseModel):
    """An area and its communities; they must be of one programme and the caller's district."""

    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    name: Name
    community_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_LIST_ITEMS)
    area_km2: AreaKm2 | None = Field(default=None, description="The enclosed area's size (about 1 km²).")
    note: Note | None = None


class DemonstrationArea(SQLModel, table=True):
    __tablename__ = "demonstration_area"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200)
    district_code: str = Field(max_length=64, index=True)
    programme_code: str = Field(max_length=64, index=True)
    area_km2: Decimal | None = Field(default=None, sa_column=Column(Numeric(6, 2)))
    note: str | None = Field(default=None, max_length=2000)
    actor_org: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class DemonstrationAreaCommunity(SQLModel, table=True):
    """A community's membership of an area; a community is in one area at most."""

    __tablename__ = "demonstration_area_community"

    community_id: uuid.UUID = Field(foreign_key="community.id", primary_key=True)
    area_id: uuid.UUID = Field(foreign_key="demonstration_area.id", index=True)


class AreaPublic(BaseModel):
    id: uuid.UUID
    name: str
    district_code: str
    programme_code: str
    area_km2: Decimal | None
    note: str | None
    community_ids: list[uuid.UUID]
    created_at: datetime
