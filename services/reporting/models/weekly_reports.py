"""Weekly reports districts (street offices, departments) file with the office, and the record that
one was flagged overdue. A department's report has no district."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import ConfigDict
from sqlalchemy import BigInteger, Column, Date, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.reporting.domain.programmes import WeeklyReportProgramme
from services.reporting.domain.weekly_reports import ReportStatus
from shared.db.types import UtcDateTime
from shared.types import BODY, Count, Fen, Note, ProcessDate

ProjectCount = Count(100_000)


class ReportFigures(SQLModel):
    """The figures a weekly or monthly report states for the period it reports on."""

    projects_started: ProjectCount = Field(description="Projects whose works started in the period.")  # type: ignore[valid-type]
    projects_completed: ProjectCount = Field(description="Projects whose works finished in the period.")  # type: ignore[valid-type]
    projects_accepted: ProjectCount = Field(description="Projects that passed acceptance in the period.")  # type: ignore[valid-type]
    investment_completed_fen: Fen = Field(description="Investment completed in the period, in fen.")


class WeeklyReportCreate(ReportFigures):
    """A district's (street office's, department's) weekly report: figures and narrative."""

    model_config = ConfigDict(**BODY)

    programme_code: WeeklyReportProgramme = Field(
        description="A programme whose plan asks for weekly reports."
    )
    week_of: ProcessDate = Field(description="Any day of the ISO week reported on.")
    narrative: Note = Field(description="周整治工作开展情况: what was done this week.")
    problems: Note | None = Field(default=None, description="Problems needing the office's help.")


class WeeklyReport(SQLModel, table=True):
    """A filed weekly report; one per programme, week and reporter, never edited."""

    __tablename__ = "weekly_report"
    __table_args__ = (UniqueConstraint("programme_code", "week_start", "reporter_code"),)

    id: uuid.UUID = Field(primary_key=True)
    programme_code: str = Field(sa_column=Column(String(64), nullable=False))
    week_start: date = Field(sa_column=Column(Date, nullable=False))
    week: str = Field(sa_column=Column(String(10), nullable=False))
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


class WeeklyReportPublic(ReportFigures):
    id: uuid.UUID
    programme_code: str
    week: str
    week_start: date
    reporter_code: str
    district_code: str | None = Field(description="The reporter's district; null for a department.")
    narrative: str
    problems: str | None
    due_on: date
    deadline: datetime
    submitted_at: datetime
    submitted_by: str
    status: ReportStatus


class OverdueReport(SQLModel, table=True):
    """A weekly report flagged overdue: the key makes the flag, and its event, happen once."""

    __tablename__ = "weekly_report_overdue"

    programme_code: str = Field(sa_column=Column(String(64), primary_key=True))
    week_start: date = Field(sa_column=Column(Date, primary_key=True))
    reporter_code: str = Field(sa_column=Column(String(64), primary_key=True))
    district_code: str | None = Field(default=None, sa_column=Column(String(64)))
    flagged_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class ReporterWeek(SQLModel):
    """One reporter's standing for one week."""

    reporter_code: str
    district_code: str | None = Field(description="The reporter's district; null for a department.")
    status: ReportStatus
    report_id: uuid.UUID | None = None
    submitted_at: datetime | None = None


class WeekReportsPublic(SQLModel):
    """Who filed the week's report, on time or late, and who has not."""

    programme_code: str
    week: str
    week_start: date
    due_on: date
    deadline: datetime
    reporters: list[ReporterWeek]
