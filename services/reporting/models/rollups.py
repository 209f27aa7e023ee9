"""Rollup responses: a district's figures now, or as of the end of a day, week or month."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from services.reporting.domain.periods import Period


class DistrictFigures(SQLModel):
    registered_projects: int = Field(default=0, description="Projects in the ledger (台账).")
    registered_investment_fen: int = Field(
        default=0, description="Planned investment, in fen: as registered, then as each approved plan states."
    )
    reviews_passed: int = Field(default=0, description="Pre-works reviews passed (立项, design, cost).")
    tendered_projects: int = Field(default=0, description="Projects whose works contract was awarded (招标).")
    started_projects: int = Field(default=0, description="Works started on site.")
    completed_projects: int = Field(default=0, description="Works finished (竣工).")
    acceptance_failures: int = Field(default=0, description="Acceptances that ordered rectification.")
    rectifications_completed: int = 0
    accepted_projects: int = 0
    accepted_investment_fen: int = Field(
        default=0, description="Planned investment of accepted projects, in fen."
    )
    taken_over_projects: int = Field(default=0, description="Communities taken over by property management.")
    closed_projects: int = Field(default=0, description="Projects closed out in the ledger (销号).")
    approved_awards: int = 0
    approved_award_fen: int = Field(default=0, description="Sum of approved awards, in fen.")
    award_adjustment_fen: int = Field(
        default=0, description="Signed sum of true-ups on the audited investment, in fen."
    )
    paid_fen: int = Field(default=0, description="Award paid, net of reversed tranches, in fen.")
    weekly_reports_overdue: int = Field(default=0, description="Weekly reports not filed by their deadline.")
    lagging_in_bulletins: int = Field(
        default=0, description="Weekly bulletins that named the district lagging."
    )
    taken_over_floor_area_dm2: int = Field(
        default=0,
        description="Floor area of communities taken over after renovation, in dm² (0.01 m², exact).",
    )
    patrols_recorded: int = Field(default=0, description="Daily safety patrols recorded (Zhongyuan 五(二)5).")
    patrol_hazards: int = Field(default=0, description="Safety hazards the patrols found.")
    deadlines_missed: int = Field(
        default=0,
        description="Step deadlines projects missed, counted from the day after each due date.",
    )
    benefited_households: int = Field(
        default=0, description="Households of the communities whose renovation passed acceptance (惠及)."
    )
    benefited_floor_area_dm2: int = Field(
        default=0, description="Their floor area, in dm² (0.01 m², exact), from the acceptance date."
    )
    ledger_communities: int = Field(default=0, description="Communities surveyed into the ledger (台账).")
    eligible_communities: int = Field(default=0, description="Communities in the ledger found eligible.")
    eligible_households: int = Field(default=0, description="Households of the eligible communities.")
    eligible_floor_area_dm2: int = Field(
        default=0, description="Floor area of the eligible communities, in dm² (0.01 m², exact)."
    )


class DistrictRollupPublic(DistrictFigures):
    """Cumulative figures of one district; with a period, as of that period's end."""

    district_code: str
    updated_at: datetime = Field(description="When reporting last changed these figures.")
    period: Period | None = Field(default=None, description="The period asked for, if any.")
    period_label: str | None = Field(default=None, description="e.g. 2026-11-20, 2026-W47, 2026-11.")
    period_start: date | None = None
    as_of: date | None = Field(default=None, description="The period's last day: figures are as of its end.")
    in_period: DistrictFigures | None = Field(default=None, description="What changed during the period.")
    patrol_days_due: int | None = Field(
        default=None,
        description="Site-days a daily safety patrol was due by the period's end (programmes with daily"
        " patrols, asked with a programme and a period).",
    )
    patrols_missed: int | None = Field(default=None, description="patrol_days_due − patrols_recorded.")


class UtilityFigures(SQLModel):
    works_assigned: int = Field(default=0, description="Pipeline works assigned to the company.")
    works_started: int = 0
    works_completed: int = 0
    exemptions: int = Field(default=0, description="Works the district let construction finish without.")


class UtilityRollupPublic(UtilityFigures):
    """One utility company's pipeline work in one district, cumulative (as of a period's end)."""

    district_code: str
    utility_code: str
    open_works: int = Field(description="Assigned and not completed.")
    as_of: date | None = None
    in_period: UtilityFigures | None = None
