"""Monthly evaluations (月考评): published once per programme and month, then frozen."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import ConfigDict, StrictStr
from pydantic import Field as Bound
from sqlalchemy import JSON, Column, Date, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.reporting.domain.evaluations import MONTH_PATTERN
from services.reporting.domain.programmes import ProgrammeCode
from shared.db.types import UtcDateTime
from shared.types import BODY

MonthLabel = Annotated[StrictStr, Bound(pattern=MONTH_PATTERN, examples=["2026-10"])]
"""A calendar month, YYYY-MM (Asia/Shanghai)."""


class EvaluationCreate(SQLModel):
    """Which month's evaluation the office publishes."""

    model_config = ConfigDict(**BODY)

    programme_code: ProgrammeCode
    month: MonthLabel = Field(description="The month evaluated, once it is over, e.g. 2026-10.")


class EvaluationInputs(SQLModel):
    """What the score was computed from, as of the month's end."""

    task: int = Field(description="Projects in the district's ledger for the programme.")
    done: int = Field(description="Projects accepted.")
    expected_by_now: int | None = Field(
        default=None, description="Due by the month's end on the target trajectory."
    )
    reports_due: int = Field(description="Weekly reports due in the month.")
    reports_on_time: int
    accepted: int = Field(description="Acceptance inspections passed.")
    acceptance_failures: int = Field(description="Acceptance inspections that ordered rectification.")
    rectifications_completed: int
    awarded_fen: int = Field(description="Award approved with its true-ups, in fen.")
    paid_fen: int = Field(description="Award paid net of reversals, in fen.")


class EvaluationComponents(SQLModel):
    """Each component as a share from 0 to 1 (4 places); None when nothing was measured."""

    progress: str | None
    timeliness: str | None
    first_pass_acceptance: str | None
    rectification: str | None
    payout: str | None


class DistrictEvaluation(SQLModel):
    rank: int
    district_code: str
    score: str = Field(description="Out of the profile's full marks, 2 places.")
    components: EvaluationComponents
    inputs: EvaluationInputs


class EvaluationRestatement(SQLModel):
    """A figure of the previous evaluation that events arriving later changed."""

    month: str
    district_code: str
    figure: str
    published: int
    now: int
    change: int


class Evaluation(SQLModel, table=True):
    __tablename__ = "evaluation"
    __table_args__ = (UniqueConstraint("programme_code", "month_start"),)

    id: uuid.UUID = Field(primary_key=True)
    programme_code: str = Field(sa_column=Column(String(64), nullable=False))
    month_start: date = Field(sa_column=Column(Date, nullable=False))
    month: str = Field(sa_column=Column(String(7), nullable=False))
    as_of: date = Field(sa_column=Column(Date, nullable=False))
    published_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    published_by: str = Field(sa_column=Column(String(200), nullable=False))
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class EvaluationPublic(SQLModel):
    id: uuid.UUID
    programme_code: str
    month: str
    as_of: date
    published_at: datetime
    published_by: str
    full_marks: str
    weights: dict[str, str] = Field(description="The profile's weights, as published.")
    districts: list[DistrictEvaluation]
    restatements: list[EvaluationRestatement]
