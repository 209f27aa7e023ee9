"""The year-end forecast per district, as the office reads it."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel

from services.reporting.domain.forecast import ForecastMethod


class DistrictForecastPublic(SQLModel):
    """One district's projected year-end acceptances against the plan's target for that year."""

    programme_code: str
    district_code: str
    year: int
    as_of: date = Field(description="The figures are as of this day's end.")
    method: ForecastMethod
    task: int = Field(description="Projects in the district's ledger by then.")
    done: int = Field(description="Projects accepted by then.")
    done_this_year: int
    pace_per_week: str = Field(description="Acceptances per week at the method's pace, 2 places.")
    projected_year_end: int = Field(description="Projects accepted by 31 December at that pace.")
    target_by_year_end: int | None = Field(description="The plan's cumulative target for the year's end.")
    will_miss: bool | None = Field(description="True when the projection falls short (None: no target).")
    shortfall: int | None
