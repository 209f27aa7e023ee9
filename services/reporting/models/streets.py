"""Street-office projections: the ledger and projects by step per street office (街道办事处) and day.

Written like `district_day` (daily deltas, atomic upserts, see `handlers/streets.py`). Later
project events name no street office, so `project_street` remembers each project's office from
its `ProjectRegistered`; it never changes once written.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, Index, String, Uuid, text
from sqlmodel import Field, SQLModel

from shared.db.types import UtcDateTime

NO_STREET_OFFICE = ""
"""The key of figures whose community names no street office (events written before it existed)."""


def _figure() -> object:
    return Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0")))


class StreetDay(SQLModel, table=True):
    """What changed in one street office of one district and programme on one day (Asia/Shanghai)."""

    __tablename__ = "street_day"
    __table_args__ = (Index("ix_street_day_district_day", "programme_code", "district_code", "day"),)

    programme_code: str = Field(sa_column=Column(String(64), primary_key=True))
    district_code: str = Field(sa_column=Column(String(64), primary_key=True))
    street_office: str = Field(sa_column=Column(String(200), primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    ledger_communities: int = _figure()  # type: ignore[assignment]
    eligible_communities: int = _figure()  # type: ignore[assignment]
    eligible_households: int = _figure()  # type: ignore[assignment]
    eligible_floor_area_dm2: int = _figure()  # type: ignore[assignment]
    registered_projects: int = _figure()  # type: ignore[assignment]
    started_projects: int = _figure()  # type: ignore[assignment]
    completed_projects: int = _figure()  # type: ignore[assignment]
    accepted_projects: int = _figure()  # type: ignore[assignment]
    closed_projects: int = _figure()  # type: ignore[assignment]
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class ProjectStreet(SQLModel, table=True):
    """Which street office a project belongs to (written once, from its registration), and the day
    it reached each step: each date is set by its own event, so replay order cannot change it."""

    __tablename__ = "project_street"
    __table_args__ = (Index("ix_project_street_office", "district_code", "street_office"),)

    project_id: uuid.UUID = Field(sa_column=Column(Uuid, primary_key=True))
    programme_code: str = Field(sa_column=Column(String(64), nullable=False))
    district_code: str = Field(sa_column=Column(String(64), nullable=False))
    street_office: str = Field(sa_column=Column(String(200), nullable=False))
    name: str | None = Field(default=None, sa_column=Column(String(200)))
    registered_on: date | None = Field(default=None, sa_column=Column(Date))
    tendered_on: date | None = Field(default=None, sa_column=Column(Date))
    started_on: date | None = Field(default=None, sa_column=Column(Date))
    completed_on: date | None = Field(default=None, sa_column=Column(Date))
    accepted_on: date | None = Field(default=None, sa_column=Column(Date))
    closed_on: date | None = Field(default=None, sa_column=Column(Date))


class StreetOfficeFigures(SQLModel):
    """A street office's ledger and projects by step."""

    ledger_communities: int = Field(default=0, description="Communities surveyed into the ledger (台账).")
    eligible_communities: int = Field(default=0, description="Communities in the ledger found eligible.")
    eligible_households: int = Field(default=0, description="Households of the eligible communities.")
    eligible_floor_area_dm2: int = Field(
        default=0, description="Floor area of the eligible communities, in dm² (0.01 m², exact)."
    )
    registered_projects: int = Field(default=0, description="Projects registered.")
    started_projects: int = Field(default=0, description="Works started on site.")
    completed_projects: int = Field(default=0, description="Works finished (竣工).")
    accepted_projects: int = Field(default=0, description="Projects accepted (验收).")
    closed_projects: int = Field(default=0, description="Projects closed out in the ledger (销号).")


class StreetOfficeRollupPublic(StreetOfficeFigures):
    """Cumulative figures of one street office; with a period, as of that period's end."""

    district_code: str
    street_office: str = Field(description='The office as the registry names it; "" where none was given.')
    street_office_label: str = Field(
        description="The office's name, or a label for none (caller's language)."
    )
    updated_at: datetime = Field(description="When reporting last changed these figures.")
    as_of: date | None = Field(default=None, description="The period's last day: figures are as of its end.")
    period_label: str | None = Field(default=None, description="e.g. 2026-11-20, 2026-W47, 2026-11.")
    in_period: StreetOfficeFigures | None = Field(default=None, description="What changed during the period.")


STEP_DAYS = {
    "tendered_projects": "tendered_on",
    "started_projects": "started_on",
    "completed_projects": "completed_on",
    "accepted_projects": "accepted_on",
    "closed_projects": "closed_on",
}
"""The step figure an event adds to → the project's column for the day it happened."""


class StreetProjectPublic(SQLModel):
    """One project of a street office and the days it reached its steps (as of a period's end)."""

    project_id: uuid.UUID
    name: str | None = Field(default=None, description="The project's name at registration.")
    district_code: str
    street_office: str
    registered_on: date | None = None
    started_on: date | None = None
    completed_on: date | None = None
    accepted_on: date | None = None
    closed_on: date | None = None
