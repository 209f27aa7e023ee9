"""Monthly progress reports districts and departments file with the office (Zhengzhou 2018 五(二))."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import ConfigDict
from sqlalchemy import BigInteger, Column, Date, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.reporting.domain.programmes import MonthlyReportProgramme
from services.reporting.domain.weekly_reports import ReportStatus
from services.reporting.models.weekly_reports import ReportFigures
from shared.db.types import UtcDateTime
from shared.types import BODY, Note, ProcessDate


class MonthlyReportCreate(ReportFigures):
    """A district's or department's monthly progress report (项目进展): figures and narrative."""

    model_config = ConfigDict(**BODY)

    programme_code: MonthlyReportProgramme = Field(
        description="A programme whose plan asks for monthly reports."
    )
    month_of: ProcessDate = Field(description="Any day of the calendar month reported on.")
    narrative: Note = Field(description="项目进展: what was done this month.")
    problems: Note | None = Field(default=None, description="Problems needing the office's help.")


class MonthlyReport(SQLModel, table=True):
    """A filed monthly report; one per programme, month and reporter, never edited. A department's
    report has no district."""

    __tablename__ = "monthly_report"
    __table_args__ = (UniqueConstraint("programme_code", "month_start", "reporter_code"),)

    id: uuid.UUID = Field(primary_key=True)
    programme_code: str = Field(sa_column=Column(String(64), nullable=False))
    month_start: date = Field(sa_column=Column(Date, nullable=False))
    month: str = Field(sa_column=Column(String(7), nullable=False))
    reporter_code: str = Field(sa_column=Column(String(64), nullable=False))
    district_code: str | None = Field(default=None, sa_column=Column(String(64), index=True))
    projects_started: int = Field(sa_column=Column(Integer, nullable=False))
    projects_completed: int = Field(sa_column=Column(Integer, nullable=False))
    projects_accepted: int = Field(sa_column=Column(Integer, nullable=False))
    investment_completed_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    narrative: str = Field(sa_column=Column(Text, nullable=False))
    problems: str | None = Field(default=None, sa_column=Column(Text))
    due_on: date = Field(sa_column=Column(Date, nullable=False))
    deadline: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    submitted_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    submitted_by: str = Field(sa_column=Column(String(200), nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))


class MonthlyReportPublic(ReportFigures):
    id: uuid.UUID
    programme_code: str
    month: str
    month_start: date
    reporter_code: str
    district_code: str | None
    narrative: str
    problems: str | None
    due_on: date
    deadline: datetime
    submitted_at: datetime
    submitted_by: str
    status: ReportStatus


class ReporterMonth(SQLModel):
    """One reporter's standing for one month (a department's has no district)."""

    reporter_code: str
    district_code: str | None
    status: ReportStatus
    report_id: uuid.UUID | None = None
    submitted_at: datetime | None = None


class MonthReportsPublic(SQLModel):
    """Who filed the month's report, on time or late, and who has not."""

    programme_code: str
    month: str
    month_start: date
    due_on: date
    deadline: datetime
    reporters: list[ReporterMonth]
