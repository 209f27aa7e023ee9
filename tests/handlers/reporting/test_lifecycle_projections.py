"""Every lifecycle and money event reporting subscribes to lands on its figure, on its own date, once."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.models.projections import DistrictDay
from shared.contracts.base import EventPayload
from shared.contracts.funding import SubsidyAdjusted, SubsidyDisbursed, SubsidyDisbursementReversed
from shared.contracts.registry import (
    AcceptanceFailed,
    ConstructionCompleted,
    ConstructionStarted,
    Defect,
    ProjectClosed,
    PropertyTakenOver,
    RectificationCompleted,
    ReviewPassed,
    TenderAwarded,
)
from shared.contracts.reporting import DistrictLagging, WeeklyReportOverdue
from tests.handlers.reporting.events import JINSHUI, PROGRAMME, at, award_common, project_common, shanghai

DAY = date(2026, 11, 3)
EVENT_TIME = shanghai(2026, 11, 20)  # heard later than the step happened


def _cases() -> list[tuple[EventPayload, str, int]]:
    c = project_common
    return [
        (
            ReviewPassed(**c(), step="design_review", passed_on=DAY, reference="汴设审〔2019〕1号"),
            "reviews_passed",
            1,
        ),  # type: ignore[arg-type]
        (TenderAwarded(**c(), awarded_on=DAY, contractor="某建设公司"), "tendered_projects", 1),  # type: ignore[arg-type]
        (ConstructionStarted(**c(), started_on=DAY), "started_projects", 1),  # type: ignore[arg-type]
        (ConstructionCompleted(**c(), completed_on=DAY), "completed_projects", 1),  # type: ignore[arg-type]
        (
            AcceptanceFailed(
                **c(), inspected_on=DAY, defects=[Defect(description="漏水", recorded_by="supervisor")]
            ),  # type: ignore[arg-type]
            "acceptance_failures",
            1,
        ),
        (RectificationCompleted(**c(), rectified_on=DAY), "rectifications_completed", 1),  # type: ignore[arg-type]
        (
            PropertyTakenOver(**c(), taken_over_on=DAY, mode="property-company", manager="某物业公司"),  # type: ignore[arg-type]
            "taken_over_projects",
            1,
        ),
        (ProjectClosed(**c(), closed_on=DAY), "closed_projects", 1),  # type: ignore[arg-type]
        (
            SubsidyAdjusted(
                **award_common(),  # type: ignore[arg-type]
                adjustment_id=uuid4(),
                audited_investment_fen=900_00,
                previous_amount_fen=400_00,
                new_amount_fen=360_00,
                adjustment_fen=-40_00,
                audited_on=DAY,
            ),
            "award_adjustment_fen",
            -40_00,
        ),
        (
            SubsidyDisbursed(
                **award_common(),  # type: ignore[arg-type]
                tranche_id=uuid4(),
                amount_fen=250_00,
                paid_on=DAY,
                paid_fen=250_00,
                outstanding_fen=150_00,
            ),
            "paid_fen",
            250_00,
        ),
        (
            SubsidyDisbursementReversed(
                **award_common(),  # type: ignore[arg-type]
                tranche_id=uuid4(),
                reverses_tranche_id=uuid4(),
                amount_fen=100_00,
                reversed_on=DAY,
                paid_fen=150_00,
                outstanding_fen=250_00,
            ),
            "paid_fen",
            -100_00,
        ),
        (
            WeeklyReportOverdue(
                programme_code=PROGRAMME,
                reporter_code=JINSHUI,
                district_code=JINSHUI,
                week="2026-W45",
                due_on=DAY,
                deadline=shanghai(2026, 11, 4, hour=0),
            ),
            "weekly_reports_overdue",
            1,
        ),
        (
            DistrictLagging(
                programme_code=PROGRAMME,
                bulletin_id=uuid4(),
                district_code=JINSHUI,
                week="2026-W45",
                as_of=DAY,
                done=1,
                expected_by_now=3,
                target_by_year_end=5,
                needed_per_week=1,
            ),
            "lagging_in_bulletins",
            1,
        ),
    ]


@pytest.mark.parametrize(("payload", "figure", "amount"), _cases(), ids=lambda v: getattr(v, "TYPE", None))
async def test_each_event_adds_to_its_figure_on_the_day_it_states_and_only_once(
    harness_for, payload: EventPayload, figure: str, amount: int
) -> None:  # type: ignore[no-untyped-def]
    assert payload.TYPE in SUBSCRIPTIONS
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    envelope = at(payload, EVENT_TIME)
    assert await harness.redeliver(envelope) == "handled"
    assert await harness.redeliver(envelope) == "duplicate"
    (row,) = await harness.all(DistrictDay)
    assert (row.district_code, row.day) == (JINSHUI, DAY)
    assert getattr(row, figure) == amount
    others = {
        name: getattr(row, name)
        for name in DistrictDay.model_fields
        if name not in ("programme_code", "district_code", "day", "updated_at")
    }
    assert {k: v for k, v in others.items() if v and k != figure} == {}
