"""A surveyed community in the ledger (台账), eligible or not, with the fields DOMAIN.md lists.

The community row is the current view; every eligibility assessment, the first and each one
after a correction, is kept in `CommunityAssessment` (never overwritten).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from services.registry.models.bounds import MAX_BUILDINGS, MAX_HOUSEHOLDS, Code, FloorArea
from services.registry.models.projects import ProjectPublic
from shared.db.types import UtcDateTime
from shared.types import BODY, Count, Name, Note


class CommunityBase(SQLModel):
    name: Name
    address: Name | None = None
    district_code: Code
    street_office: Name | None = None
    residents_committee: Name | None = None
    programme_code: Code
    built_year: int = Field(ge=1900, le=2100)
    buildings: Count(MAX_BUILDINGS, minimum=1)  # type: ignore[valid-type]
    households: Count(MAX_HOUSEHOLDS, minimum=1)  # type: ignore[valid-type]
    floor_area_m2: FloorArea
    property_right_type: Name | None = None
    property_management: Name | None = Field(default=None, description="Current property management.")
    notes: Note | None = None
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
    eligible: bool = True
    eligibility: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    tier: str | None = Field(default=None, max_length=64)
    demonstration: bool = False
    centrally_funded: bool = False
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class CommunityPublic(CommunityBase):
    id: uuid.UUID
    eligible: bool
    eligibility: list[dict[str, Any]] = Field(
        description="Every check applied, passed or not, with its clause."
    )
    tier: str | None
    demonstration: bool
    centrally_funded: bool
    created_at: datetime
    updated_at: datetime


class Reassessment(BaseModel):
    """Corrected facts; the community is assessed again and the earlier assessment kept."""

    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    built_year: int = Field(ge=1900, le=2100)
    exclusions: list[Code] = Field(default_factory=list, max_length=20)
    note: Note


class Classification(BaseModel):
    """Ledger attributes the district sets and the office filters on."""

    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    tier: Code | None = Field(default=None, description="Project-library tier from the profile.")
    demonstration: bool = False
    centrally_funded: bool = False


class CommunityAssessment(SQLModel, table=True):
    """One eligibility assessment of a community (append-only)."""

    __tablename__ = "community_assessment"

    id: int | None = Field(default=None, primary_key=True)
    community_id: uuid.UUID = Field(foreign_key="community.id", index=True)
    built_year: int
    exclusions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    eligible: bool
    eligibility: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note: str | None = None
    actor_org: str = Field(max_length=64)
    assessed_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class AssessmentPublic(SQLModel):
    built_year: int
    exclusions: list[str]
    eligible: bool
    eligibility: list[dict[str, Any]]
    note: str | None
    actor_org: str
    assessed_at: datetime


class CommunityHistory(SQLModel):
    """A community's history: its ledger entry, every assessment and every project on it."""

    community: CommunityPublic
    assessments: list[AssessmentPublic] = Field(description="Every eligibility assessment, oldest first.")
    projects: list[ProjectPublic] = Field(description="The projects that renovate it, oldest first.")
