"""Property-service subsidy: the takeover funding heard of, the schedule, its months and payments."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import ConfigDict
from sqlalchemy import BigInteger, Column, Date, Integer, Numeric, String
from sqlmodel import Field, SQLModel

from services.funding.models.fields import AreaM2, Day, Month, Text
from shared.db.types import UtcDateTime
from shared.types import BODY, Count, Fen


class PropertyTakeover(SQLModel, table=True):
    """The registry's PropertyTakenOver as funding keeps it (the schedule starts from it)."""

    __tablename__ = "property_takeover"

    project_id: uuid.UUID = Field(primary_key=True)
    district_code: str
    programme_code: str
    taken_over_on: date = Field(sa_column=Column(Date, nullable=False))
    mode: str
    manager: str
    floor_area_m2: Decimal | None = Field(default=None, sa_column=Column(Numeric(13, 2)))
    source_event_id: str
    recorded_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class ScheduleCreate(SQLModel):
    """The period, if longer than the minimum; the floor area (建筑面积) only where the registry's
    takeover event did not carry it (the ledger's figure wins: a different one is refused)."""

    model_config = ConfigDict(**BODY)

    floor_area_m2: AreaM2 | None = Field(
        default=None,
        description="Only when the takeover carried no floor area; else omit it or send the same.",
    )
    months: Count(1200, minimum=1) | None = Field(  # type: ignore[valid-type]
        default=None, description="The period in months; the programme's minimum when omitted."
    )
    fen_per_m2_month: Count(10_000, minimum=1) | None = Field(  # type: ignore[valid-type]
        default=None,
        description="The rate in fen per m² of floor area per month; the programme's minimum (Zhengzhou "
        "2019 五(三): 30 fen) when omitted. More is allowed; less only with below_standard_reason.",
    )
    below_standard_reason: Text | None = Field(
        default=None,
        description="Why the district pays less than the standard (原则上: a departure needs one).",
    )


class SubsidySchedule(SQLModel, table=True):
    __tablename__ = "property_subsidy_schedule"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    project_id: uuid.UUID = Field(unique=True)
    district_code: str
    programme_code: str
    floor_area_m2: Decimal = Field(sa_column=Column(Numeric(13, 2), nullable=False))
    taken_over_on: date = Field(sa_column=Column(Date, nullable=False))
    months: int = Field(sa_column=Column(Integer, nullable=False))
    total_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    fen_per_m2_month: int | None = Field(
        default=None, sa_column=Column(Integer), description="Null before 0010: the minimum of the day."
    )
    below_standard_reason: str | None = Field(default=None, sa_column=Column(String(200)))
    created_by: str
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class ScheduledMonth(SQLModel, table=True):
    __tablename__ = "property_subsidy_month"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    schedule_id: uuid.UUID = Field(foreign_key="property_subsidy_schedule.id", index=True)
    month: date = Field(sa_column=Column(Date, nullable=False))
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))


class PaymentCreate(SQLModel):
    model_config = ConfigDict(**BODY)

    month: Month = Field(description="The first day of the scheduled month paid for.")
    amount_fen: Fen = Field(gt=0)
    paid_on: Day


class SubsidyPayment(SQLModel, table=True):
    __tablename__ = "property_subsidy_payment"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    schedule_id: uuid.UUID = Field(foreign_key="property_subsidy_schedule.id", index=True)
    month: date = Field(sa_column=Column(Date, nullable=False))
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    paid_on: date = Field(sa_column=Column(Date, nullable=False))
    recorded_by: str
    recorded_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class MonthPublic(SQLModel):
    month: date
    scheduled_fen: int
    paid_fen: int
    owed_fen: int
    in_arrears: bool


class SchedulePublic(SQLModel):
    id: uuid.UUID
    project_id: uuid.UUID
    district_code: str
    programme_code: str
    floor_area_m2: Decimal
    floor_area_source: str = Field(description="takeover (the registry's ledger) or district (stated here).")
    taken_over_on: date
    months: int
    fen_per_m2_month: int = Field(description="The rate paid, in fen per m² of floor area per month.")
    below_standard: bool = Field(description="The rate is under the programme's standard (flagged, 原则上).")
    below_standard_reason: str | None
    total_fen: int = Field(
        description="Rate × floor area × months, half-up to the fen; the months add up to it."
    )
    remainder_rule: str
    paid_fen: int
    owed_fen: int
    schedule: list[MonthPublic]


class ArrearsPublic(SQLModel):
    project_id: uuid.UUID
    district_code: str
    month: date
    scheduled_fen: int
    paid_fen: int
    owed_fen: int
