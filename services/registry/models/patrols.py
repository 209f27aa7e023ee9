"""Daily safety patrols of sites under construction (Zhongyuan 五(二)5), one per project per day."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db.types import UtcDateTime
from shared.types import BODY, Note, ProcessDate

MAX_HAZARDS = 30
"""Hazards noted on one site in one day's round; more belong in a rectification order."""


class PatrolRecord(BaseModel):
    """What the street office found on its round of one site on one day."""

    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    patrolled_on: ProcessDate
    findings: Note = Field(description="What the patrol saw (巡查情况).")
    hazards: list[Note] = Field(
        default_factory=list, max_length=MAX_HAZARDS, description="Safety hazards found (安全隐患)."
    )
    contractor_notified: bool = Field(description="Whether the contractor was told (及时反馈施工方).")
    note: Note | None = None


class SafetyPatrol(SQLModel, table=True):
    """One patrol as recorded (append-only; a second one for the same day is refused)."""

    __tablename__ = "safety_patrol"
    __table_args__ = (UniqueConstraint("project_id", "patrolled_on", name="uq_safety_patrol_project_day"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: uuid.UUID = Field(foreign_key="project.id", index=True)
    district_code: str = Field(max_length=64, index=True)
    programme_code: str = Field(max_length=64)
    patrolled_on: date = Field(index=True)
    findings: str = Field(max_length=2000)
    hazards: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    contractor_notified: bool
    note: str | None = Field(default=None, max_length=2000)
    actor_org: str = Field(max_length=64)
    recorded_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class PatrolPublic(SQLModel):
    patrolled_on: date
    findings: str
    hazards: list[str]
    contractor_notified: bool
    note: str | None
    actor_org: str
    recorded_at: datetime


class PatrolLog(BaseModel):
    """A project's patrols and the days of its construction that have none."""

    project_id: uuid.UUID
    construction_started_on: date | None = Field(description="None: works have not started yet.")
    construction_completed_on: date | None
    through: date | None = Field(description="The last day counted: completion, else yesterday.")
    patrols: list[PatrolPublic]
    missing_days: list[date] = Field(description="Days of construction, up to `through`, with no patrol.")
    due_today: bool = Field(description="Works are on today and today's patrol is not recorded yet.")


class MissingPatrol(BaseModel):
    """A site under construction on the day asked about with no patrol recorded for it."""

    project_id: uuid.UUID
    name: str
    district_code: str
    street_office: str | None
    programme_code: str
    construction_started_on: date
