"""Progress against the programme's yearly targets, per district."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel

from services.reporting.models.central_list import MilestoneFigures


class DistrictProgressPublic(SQLModel):
    """One district on `as_of`: done against the plan's share, and the pace still needed."""

    programme_code: str
    district_code: str
    as_of: date
    task: int = Field(description="Projects in the district's ledger for the programme (台账).")
    done: int = Field(description="Projects accepted (工程验收).")
    done_share: str = Field(description="done / task as a decimal string, 4 places.")
    share_due_by_year_end: str | None = Field(
        description="Cumulative share the plan sets for the year's end."
    )
    target_by_year_end: int | None
    expected_by_now: int | None = Field(description="Due by now if the year's share is spread evenly by day.")
    on_track: bool | None
    behind_by: int | None
    remaining_this_year: int | None
    weeks_left: int | None
    needed_per_week: int | None = Field(description="Acceptances per week needed to meet the year's target.")
    central_list: list[MilestoneFigures] | None = Field(
        default=None,
        description="The district's communities on the plan's central-fund list against each of its dated "
        "milestones (Kaifeng 三); null where the plan has no such list. Detail: GET /progress/central-list.",
    )
