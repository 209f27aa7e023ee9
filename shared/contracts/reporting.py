"""Events the reporting service publishes on `reporting.events`: the office's supervision.

Weekly reports are keyed by programme and reporter, bulletins by programme, so each one's events
stay in order.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AfterValidator, Field

from shared.clock import ensure_aware
from shared.contracts.base import EventPayload
from shared.contracts.topics import REPORTING_EVENTS

__all__ = ["BulletinPublished", "DistrictLagging", "MonthlyEvaluationPublished", "WeeklyReportOverdue"]

Instant = Annotated[datetime, AfterValidator(ensure_aware)]
"""A timezone-aware instant (naive datetimes are refused), normalised to UTC."""


class _SupervisionEvent(EventPayload):
    SOURCE: ClassVar[str] = "urn:renovation:reporting"
    TOPIC: ClassVar[str] = REPORTING_EVENTS

    programme_code: str


class WeeklyReportOverdue(_SupervisionEvent):
    """A district, street office or department has not filed its weekly report by the deadline the
    programme sets (Zhengzhou 2019 七(二) every Friday; Zhongyuan 2013 五(二)7 every Tuesday; Kaifeng
    七(六) every Friday, 各县（区）、各单位)."""

    TYPE: ClassVar[str] = "reporting.weekly_report.overdue.v1"

    reporter_code: str = Field(description="The organisation that owes the report.")
    district_code: str | None = Field(
        description="The reporter's district; null for a department (it counts against no district)."
    )
    week: str = Field(description="ISO week of the report, e.g. 2026-W47.")
    due_on: date
    deadline: Instant = Field(description="The end of the report day in Asia/Shanghai.")

    def partition_key(self) -> str:
        """``<programme>/<reporter>``: one reporter's overdue notices stay in order."""
        return f"{self.programme_code}/{self.reporter_code}"

    def subject(self) -> str:
        """``weekly-reports/<programme>/<week>/<reporter>``: the report that is owed."""
        return f"weekly-reports/{self.programme_code}/{self.week}/{self.reporter_code}"

    def district(self) -> str | None:
        """The district of the reporter that owes the report (none for a department)."""
        return self.district_code


class DistrictLagging(_SupervisionEvent):
    """A published weekly bulletin names the district as behind its target trajectory (通报)."""

    TYPE: ClassVar[str] = "reporting.district.lagging.v1"

    bulletin_id: UUID
    district_code: str
    week: str = Field(description="ISO week of the bulletin, e.g. 2026-W47.")
    as_of: date = Field(description="The figures are as of the end of this day.")
    done: int = Field(ge=0, description="Projects accepted so far.")
    expected_by_now: int = Field(ge=0, description="Projects due by now on the plan's trajectory.")
    target_by_year_end: int = Field(ge=0)
    needed_per_week: int = Field(ge=0, description="Acceptances per week still needed this year.")

    def partition_key(self) -> str:
        """The programme code: its bulletins' events stay in order."""
        return self.programme_code

    def subject(self) -> str:
        """``bulletins/<bulletin id>/districts/<district>``: the district in that bulletin."""
        return f"bulletins/{self.bulletin_id}/districts/{self.district_code}"

    def district(self) -> str | None:
        """The district named as lagging."""
        return self.district_code


class BulletinPublished(_SupervisionEvent):
    """The office published the weekly bulletin (周通报): its figures are frozen from now on.

    The ranking itself is read with `GET /bulletins/{bulletin_id}` (each reader sees what it may);
    each lagging district is announced by its own `DistrictLagging`, each missing report by its
    `WeeklyReportOverdue`, so this city-wide event names no district.
    """

    TYPE: ClassVar[str] = "reporting.bulletin.published.v1"

    bulletin_id: UUID
    week: str = Field(description="ISO week of the bulletin, e.g. 2026-W47.")
    as_of: date
    published_at: Instant
    districts: int = Field(ge=0, description="Districts ranked.")
    lagging: int = Field(ge=0, description="Districts behind their target trajectory.")
    late_reports: int = Field(ge=0, description="Weekly reports of the week filed late or missing.")

    def partition_key(self) -> str:
        """The programme code: its bulletins' events stay in order."""
        return self.programme_code

    def subject(self) -> str:
        """``bulletins/<bulletin id>``: the bulletin published."""
        return f"bulletins/{self.bulletin_id}"


class MonthlyEvaluationPublished(_SupervisionEvent):
    """The office published the month's evaluation (月考评, Kaifeng 七(七)): frozen from now on.

    The scores are read with `GET /evaluations/{month}` (a district sees its own line); like the
    bulletin, this city-wide event names no district.
    """

    TYPE: ClassVar[str] = "reporting.evaluation.published.v1"

    evaluation_id: UUID
    month: str = Field(description="The month evaluated, e.g. 2026-10.")
    as_of: date = Field(description="The figures are as of the end of this day (the month's last).")
    published_at: Instant
    districts: int = Field(ge=0, description="Districts scored.")
    restatements: int = Field(ge=0, description="Figures of the previous evaluation changed since.")

    def partition_key(self) -> str:
        """The programme code: its evaluations' events stay in order."""
        return self.programme_code

    def subject(self) -> str:
        """``evaluations/<evaluation id>``: the evaluation published."""
        return f"evaluations/{self.evaluation_id}"
