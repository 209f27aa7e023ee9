"""Ledger tables and their API shapes (the SQLModel Base / Create / table / Public family)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, String
from sqlmodel import Field, SQLModel

from services.registry.domain import Stage
from shared.db.types import UtcDateTime


class CommunityBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    district_code: str = Field(min_length=1, max_length=64)
    street_office: str | None = Field(default=None, max_length=200)
    residents_committee: str | None = Field(default=None, max_length=200)
    programme_code: str = Field(min_length=1, max_length=64)
    built_year: int = Field(ge=1900, le=2100)
    buildings: int = Field(ge=1)
    households: int = Field(ge=1)
    floor_area_m2: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    exclusions: list[str] = Field(
        default_factory=list,
        description="Exclusion codes of the programme that apply (e.g. shanty-town-programme).",
    )


class CommunityCreate(CommunityBase):
    pass


class Community(CommunityBase, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    exclusions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class CommunityPublic(CommunityBase):
    id: uuid.UUID
    created_at: datetime


class ProjectBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    investment_fen: int = Field(ge=0, description="Planned renovation investment in fen (分).")


class ProjectCreate(ProjectBase):
    community_id: uuid.UUID


class Project(ProjectBase, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    community_id: uuid.UUID = Field(foreign_key="community.id", index=True)
    district_code: str = Field(max_length=64, index=True)
    programme_code: str = Field(max_length=64)
    stage: Stage = Field(sa_column=Column(String(32), nullable=False))
    accepted_on: date | None = None
    audited_investment_fen: int | None = None
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class ProjectPublic(ProjectBase):
    id: uuid.UUID
    community_id: uuid.UUID
    district_code: str
    programme_code: str
    stage: Stage
    accepted_on: date | None
    audited_investment_fen: int | None
    created_at: datetime
    updated_at: datetime


class StageTransition(SQLModel):
    """Move a project to its next lifecycle stage."""

    to_stage: Stage
    effective_on: date | None = Field(
        default=None, description="The day the step took effect; required for acceptance."
    )
    audited_investment_fen: int | None = Field(
        default=None,
        ge=0,
        description="Final-accounts audited investment (决算审计), in fen; at acceptance, required "
        "where the programme pays its award on the audited figure.",
    )
