"""Weekly bulletins (周通报): published once per programme and week, then frozen."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import JSON, Column, Date, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.reporting.domain.programmes import ProgrammeCode
from shared.db.types import UtcDateTime
from shared.types import BODY, ProcessDate


class BulletinCreate(SQLModel):
    """Which week's bulletin the office publishes."""

    model_config = ConfigDict(**BODY)

    programme_code: ProgrammeCode
    week_of: ProcessDate = Field(description="Any day of the ISO week the bulletin covers.")


class DistrictStanding(SQLModel):
    """A district's line in the bulletin, frozen at publication."""

    rank: int
    district_code: str
    task: int = Field(description="Projects in the district's ledger for the programme.")
    done: int = Field(description="Projects accepted.")
    done_share: str = Field(description="done / task, as a decimal string (e.g. 0.4286).")
    accepted_this_week: int
    expected_by_now: int | None = Field(description="Due by now on the plan's trajectory (None: no targets).")
    target_by_year_end: int | None
    needed_per_week: int | None
    lagging: bool
    report_status: str | None = Field(description="on_time, late or missing (None: owes no report).")


class Restatement(SQLModel):
    """A published figure that events arriving later changed: shown, never silently edited."""

    week: str
    district_code: str
    figure: str
    published: int
    now: int
    change: int


class Bulletin(SQLModel, table=True):
    __tablename__ = "bulletin"
    __table_args__ = (UniqueConstraint("programme_code", "week_start"),)

    id: uuid.UUID = Field(primary_key=True)
    programme_code: str = Field(sa_column=Column(String(64), nullable=False))
    week_start: date = Field(sa_column=Column(Date, nullable=False))
    week: str = Field(sa_column=Column(String(10), nullable=False))
    as_of: date = Field(sa_column=Column(Date, nullable=False))
    published_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    published_by: str = Field(sa_column=Column(String(200), nullable=False))
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class BulletinPublic(SQLModel):
    id: uuid.UUID
    programme_code: str
    week: str
    week_start: date
    as_of: date
    published_at: datetime
    published_by: str
    standings: list[DistrictStanding]
    lagging: list[str]
    late_reports: list[str]
    restatements: list[Restatement]
