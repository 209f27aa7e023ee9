"""Indicator reports districts file (a value with the data it comes from) and the standing shown."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, ConfigDict, StrictStr, WithJsonSchema
from pydantic import Field as Bound
from sqlalchemy import Column, Date, Numeric, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.reporting.domain.indicators import IndicatorStatus
from services.reporting.domain.programmes import ProgrammeCode
from shared.db.types import UtcDateTime
from shared.types import BODY, Name, ProcessDate

_MEASURE_PATTERN = r"^(0|[1-9]\d{0,11})(\.\d{1,6})?$"


def _measure_string(value: object) -> object:
    """Only a plain decimal string ("9531.5"): a JSON number may be a float; measures never are."""
    if not isinstance(value, str) or re.fullmatch(_MEASURE_PATTERN, value) is None:
        raise ValueError('a non-negative decimal string, at most 12 digits and 6 decimals, e.g. "9531.5"')
    return value


Measure = Annotated[
    Decimal,
    BeforeValidator(_measure_string),
    Bound(ge=0, lt=10**12, max_digits=18, decimal_places=6),
    WithJsonSchema({"type": "string", "pattern": _MEASURE_PATTERN, "examples": ["9531", "120.5"]}),
]
"""A measured quantity as a decimal string (lamps, tonnes, km, m²), never a float."""

IndicatorCode = Annotated[StrictStr, Bound(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", max_length=64)]


class IndicatorReportCreate(SQLModel):
    """A district's measurement of one indicator, with the data it comes from."""

    model_config = ConfigDict(**BODY)

    programme_code: ProgrammeCode
    indicator_code: IndicatorCode = Field(
        description="An indicator the programme sets, e.g. main-road-lights-lit."
    )
    measured_on: ProcessDate = Field(description="The day the measurement is of (Asia/Shanghai).")
    numerator: Measure = Field(
        description="A rate's numerator (e.g. lamps lit), or the value itself for any other unit."
    )
    denominator: Measure | None = Field(
        default=None, description="A rate's denominator (e.g. lamps installed); none for other units."
    )
    source: Name = Field(description="Where the figures come from, e.g. 城管局路灯巡查台账.")


class IndicatorReport(SQLModel, table=True):
    """A filed measurement; one per programme, district, indicator and day, never edited."""

    __tablename__ = "indicator_report"
    __table_args__ = (UniqueConstraint("programme_code", "district_code", "indicator_code", "measured_on"),)

    id: uuid.UUID = Field(primary_key=True)
    programme_code: str = Field(sa_column=Column(String(64), nullable=False))
    district_code: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    indicator_code: str = Field(sa_column=Column(String(64), nullable=False))
    measured_on: date = Field(sa_column=Column(Date, nullable=False))
    numerator: Decimal = Field(sa_column=Column(Numeric(18, 6), nullable=False))
    denominator: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 6)))
    value: Decimal = Field(sa_column=Column(Numeric(18, 6), nullable=False))
    source: str = Field(sa_column=Column(String(200), nullable=False))
    reported_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    reported_by: str = Field(sa_column=Column(String(200), nullable=False))


class IndicatorReportPublic(SQLModel):
    id: uuid.UUID
    programme_code: str
    district_code: str
    indicator_code: str
    measured_on: date
    numerator: str
    denominator: str | None
    value: str = Field(description="numerator / denominator to 6 places for a rate, else the value.")
    source: str
    reported_at: datetime
    reported_by: str


class IndicatorStanding(SQLModel):
    """One indicator of one district on a day, against the target in force then."""

    programme_code: str
    district_code: str
    indicator_code: str
    name_zh: str
    name_en: str
    unit: str
    comparison: str
    binding: bool = Field(description="False where the plan only strives for it (力争).")
    clause: str
    on: date
    target: str | None = Field(description="The threshold in force (a range's lower bound), or the next one.")
    target_upper: str | None = None
    target_by: date | None = Field(description="The date the threshold applies from, if dated.")
    status: IndicatorStatus
    value: str | None = None
    previous_year_value: str | None = None
    report: IndicatorReportPublic | None = None
