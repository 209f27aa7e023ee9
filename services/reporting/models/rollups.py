"""Rollup responses: a district's figures now, or as of the end of a day, week or month."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from services.reporting.domain.periods import Period


class DistrictFigures(SQLModel):
    registered_projects: int = 0
    registered_investment_fen: int = Field(default=0, description="Planned investment registered, in fen.")
    accepted_projects: int = 0
    accepted_investment_fen: int = Field(
        default=0, description="Planned investment of accepted projects, in fen."
    )
    approved_awards: int = 0
    approved_award_fen: int = Field(default=0, description="Sum of approved awards, in fen.")


class DistrictRollupPublic(DistrictFigures):
    """Cumulative figures of one district; with a period, as of that period's end."""

    district_code: str
    updated_at: datetime = Field(description="When reporting last changed these figures.")
    period: Period | None = Field(default=None, description="The period asked for, if any.")
    period_label: str | None = Field(default=None, description="e.g. 2026-11-20, 2026-W47, 2026-11.")
    period_start: date | None = None
    as_of: date | None = Field(default=None, description="The period's last day: figures are as of its end.")
    in_period: DistrictFigures | None = Field(default=None, description="What changed during the period.")
