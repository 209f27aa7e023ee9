"""Step deadlines as the API shows them: per project, and the overdue list across projects."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field
from sqlalchemy import Column, Date, String, Uuid
from sqlmodel import Field as TableField
from sqlmodel import SQLModel

from shared.db.types import UtcDateTime


class DeadlinePublic(BaseModel):
    """One deadline binding a project, and where it stands today (Asia/Shanghai)."""

    code: str
    step: str = Field(description="The profile step it sits on.")
    description_zh: str
    description_en: str
    clause: str = Field(description="The plan's document number and clause.")
    due_on: date
    starts_on: date | None
    applies_to: str = Field(description="Which projects it binds (every_project, centrally_funded…).")
    met_when: str = Field(description="started (the step begun) or completed (the step done).")
    status: str = Field(description="met, met_late, due, upcoming, overdue or past_at_issue.")
    met_on: date | None
    days_overdue: int | None


class OverdueStep(BaseModel):
    """A project that has not met a deadline whose date has passed."""

    project_id: uuid.UUID
    name: str
    district_code: str
    street_office: str | None
    programme_code: str
    project_step: str = Field(description="The step the project is at now.")
    project_status: str
    deadline_code: str
    deadline_step: str
    description_zh: str
    description_en: str
    clause: str
    due_on: date
    days_overdue: int


class MissedDeadline(SQLModel, table=True):
    """A deadline a project missed, flagged once: the key makes the flag, and its event, happen once."""

    __tablename__ = "missed_deadline"

    project_id: uuid.UUID = TableField(sa_column=Column(Uuid, primary_key=True))
    deadline_code: str = TableField(sa_column=Column(String(64), primary_key=True))
    programme_code: str = TableField(sa_column=Column(String(64), nullable=False))
    district_code: str = TableField(sa_column=Column(String(64), nullable=False, index=True))
    due_on: date = TableField(sa_column=Column(Date, nullable=False))
    flagged_at: datetime = TableField(sa_column=Column(UtcDateTime(), nullable=False))
