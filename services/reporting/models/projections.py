"""Projection tables: daily deltas per programme and district, rebuilt from the event topics.

Every figure is added to in one SQL statement (see `handlers/projections.py`), never read and
written back from Python, so concurrent replicas cannot lose an update. Money is BIGINT fen with a
CHECK at `FIGURE_LIMIT`: a sum that would pass it fails loudly instead of wrapping, or, on SQLite,
silently turning into a float.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, Index, String, text
from sqlmodel import Field, SQLModel

from shared.db.types import UtcDateTime

FIGURE_LIMIT = 10**18
"""Bound on any stored figure: 100,000 projects at the 10^13 fen money ceiling, below 2^63."""


def _figure() -> object:
    return Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0")))


class DistrictDay(SQLModel, table=True):
    """What changed in one district of one programme on one day (Asia/Shanghai)."""

    __tablename__ = "district_day"
    __table_args__ = (Index("ix_district_day_programme_day", "programme_code", "day"),)

    programme_code: str = Field(sa_column=Column(String(64), primary_key=True))
    district_code: str = Field(sa_column=Column(String(64), primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    registered_projects: int = _figure()  # type: ignore[assignment]
    registered_investment_fen: int = _figure()  # type: ignore[assignment]
    reviews_passed: int = _figure()  # type: ignore[assignment]
    tendered_projects: int = _figure()  # type: ignore[assignment]
    started_projects: int = _figure()  # type: ignore[assignment]
    completed_projects: int = _figure()  # type: ignore[assignment]
    acceptance_failures: int = _figure()  # type: ignore[assignment]
    rectifications_completed: int = _figure()  # type: ignore[assignment]
    accepted_projects: int = _figure()  # type: ignore[assignment]
    accepted_investment_fen: int = _figure()  # type: ignore[assignment]
    taken_over_projects: int = _figure()  # type: ignore[assignment]
    closed_projects: int = _figure()  # type: ignore[assignment]
    approved_awards: int = _figure()  # type: ignore[assignment]
    approved_award_fen: int = _figure()  # type: ignore[assignment]
    award_adjustment_fen: int = _figure()  # type: ignore[assignment]
    paid_fen: int = _figure()  # type: ignore[assignment]
    weekly_reports_overdue: int = _figure()  # type: ignore[assignment]
    lagging_in_bulletins: int = _figure()  # type: ignore[assignment]
    taken_over_floor_area_dm2: int = _figure()  # type: ignore[assignment]
    patrols_recorded: int = _figure()  # type: ignore[assignment]
    patrol_hazards: int = _figure()  # type: ignore[assignment]
    deadlines_missed: int = _figure()  # type: ignore[assignment]
    benefited_households: int = _figure()  # type: ignore[assignment]
    benefited_floor_area_dm2: int = _figure()  # type: ignore[assignment]
    ledger_communities: int = _figure()  # type: ignore[assignment]
    eligible_communities: int = _figure()  # type: ignore[assignment]
    eligible_households: int = _figure()  # type: ignore[assignment]
    eligible_floor_area_dm2: int = _figure()  # type: ignore[assignment]
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class DistrictMonth(SQLModel, table=True):
    """The same figures summed per calendar month (`month` is its first day, Asia/Shanghai).

    Written with the daily rows, in the same transaction and the same way (atomic upserts), so a
    rollup as of any day reads the whole months before it here and only that month's days in
    `district_day`: a few dozen rows per district, not one per day since the programme began.
    """

    __tablename__ = "district_month"

    programme_code: str = Field(sa_column=Column(String(64), primary_key=True))
    district_code: str = Field(sa_column=Column(String(64), primary_key=True))
    month: date = Field(sa_column=Column(Date, primary_key=True))
    registered_projects: int = _figure()  # type: ignore[assignment]
    registered_investment_fen: int = _figure()  # type: ignore[assignment]
    reviews_passed: int = _figure()  # type: ignore[assignment]
    tendered_projects: int = _figure()  # type: ignore[assignment]
    started_projects: int = _figure()  # type: ignore[assignment]
    completed_projects: int = _figure()  # type: ignore[assignment]
    acceptance_failures: int = _figure()  # type: ignore[assignment]
    rectifications_completed: int = _figure()  # type: ignore[assignment]
    accepted_projects: int = _figure()  # type: ignore[assignment]
    accepted_investment_fen: int = _figure()  # type: ignore[assignment]
    taken_over_projects: int = _figure()  # type: ignore[assignment]
    closed_projects: int = _figure()  # type: ignore[assignment]
    approved_awards: int = _figure()  # type: ignore[assignment]
    approved_award_fen: int = _figure()  # type: ignore[assignment]
    award_adjustment_fen: int = _figure()  # type: ignore[assignment]
    paid_fen: int = _figure()  # type: ignore[assignment]
    weekly_reports_overdue: int = _figure()  # type: ignore[assignment]
    lagging_in_bulletins: int = _figure()  # type: ignore[assignment]
    taken_over_floor_area_dm2: int = _figure()  # type: ignore[assignment]
    patrols_recorded: int = _figure()  # type: ignore[assignment]
    patrol_hazards: int = _figure()  # type: ignore[assignment]
    deadlines_missed: int = _figure()  # type: ignore[assignment]
    benefited_households: int = _figure()  # type: ignore[assignment]
    benefited_floor_area_dm2: int = _figure()  # type: ignore[assignment]
    ledger_communities: int = _figure()  # type: ignore[assignment]
    eligible_communities: int = _figure()  # type: ignore[assignment]
    eligible_households: int = _figure()  # type: ignore[assignment]
    eligible_floor_area_dm2: int = _figure()  # type: ignore[assignment]
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


UTILITY_FIGURES = ("works_assigned", "works_started", "works_completed", "exemptions")
"""Pipeline work of the utility companies (专业经营单位) per district and day."""


class UtilityDay(SQLModel, table=True):
    """What changed in one utility company's pipeline work in one district on one day."""

    __tablename__ = "utility_day"

    programme_code: str = Field(sa_column=Column(String(64), primary_key=True))
    district_code: str = Field(sa_column=Column(String(64), primary_key=True))
    utility_code: str = Field(sa_column=Column(String(64), primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    works_assigned: int = _figure()  # type: ignore[assignment]
    works_started: int = _figure()  # type: ignore[assignment]
    works_completed: int = _figure()  # type: ignore[assignment]
    exemptions: int = _figure()  # type: ignore[assignment]
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
