"""What funding knows of a project's preparation and works from the registry's events: the read
model the central-fund ranking reads (registration, approval steps done, progress, completion)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db.types import UtcDateTime


class ProjectReadiness(SQLModel, table=True):
    """One row per project, filled in as the registry's events arrive (in any order)."""

    __tablename__ = "project_readiness"

    project_id: uuid.UUID = Field(primary_key=True)
    district_code: str
    programme_code: str
    name: str | None = None
    investment_fen: int | None = Field(default=None, sa_column=Column(BigInteger))
    started_on: date | None = Field(default=None, sa_column=Column(Date))
    progress_percent: int | None = Field(default=None, sa_column=Column(Integer))
    completed_on: date | None = Field(default=None, sa_column=Column(Date))
    accepted_on: date | None = Field(default=None, sa_column=Column(Date))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class ReadinessStep(SQLModel, table=True):
    """A preparation step done (立项, design review, cost review, tender: Kaifeng 七(五)), once."""

    __tablename__ = "project_readiness_step"
    __table_args__ = (UniqueConstraint("project_id", "step"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    project_id: uuid.UUID = Field(index=True)
    step: str
    done_on: date = Field(sa_column=Column(Date, nullable=False))
    source_event_id: str
