"""The monthly evaluation on SQLite: scored by the profile's weights, published once, frozen, restated."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.evaluations import get_evaluation, list_evaluations, publish_evaluation
from services.reporting.handlers.restatements import restatements
from services.reporting.handlers.weekly_reports import submit_weekly_report
from services.reporting.models.evaluations import EvaluationCreate
from services.reporting.models.weekly_reports import WeeklyReportCreate
from shared.contracts.funding import SubsidyDisbursed
from shared.contracts.registry import AcceptanceFailed, Defect, RectificationCompleted
from shared.errors import Conflict, Forbidden, InvalidState, NotFound, RuleViolation
from tests.handlers.reporting.events import (
    ERQI,
    JINSHUI,
    PROGRAMME,
    accepted,
    approved,
    at,
    award_common,
    district,
    office,
    project_common,
    registered,
    shanghai,
)

NOV_1 = datetime(2019, 11, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, October is over
OCTOBER_FRIDAYS = (date(2019, 10, 4), date(2019, 10, 11), date(2019, 10, 18), date(2019, 10, 25))


async def _october(harness) -> None:  # type: ignore[no-untyped-def]
    """Jinshui: 10 projects, 4 accepted (one after a failed inspection, rectified), award half paid,
    every weekly report on time. Erqi: 10 projects, 1 accepted, no report."""
    march = shanghai(2019, 3, 1)
    for code, done in ((JINSHUI, 4), (ERQI, 1)):
        for _ in range(10):
            await harness.redeliver(at(registered(code), march))
        for _ in range(done):
            await harness.redeliver(at(accepted(code, accepted_on=date(2019, 9, 10)), march))
    failed = AcceptanceFailed(
        **project_common(),
        inspected_on=date(2019, 9, 1),
        defects=[Defect(description="漏水", recorded_by="supervisor")],
    )  # type: ignore[arg-type]
    await harness.redeliver(at(failed, shanghai(2019, 9, 1)))
    await harness.redeliver(
        at(RectificationCompleted(**project_common(), rectified_on=date(2019, 9, 5)), march)
    )  # type: ignore[arg-type]
    await harness.redeliver(at(approved(JINSHUI, amount_fen=100_000_00), shanghai(2019, 9, 12)))
    paid = SubsidyDisbursed(
        **award_common(),
        tranche_id=uuid4(),
        amount_fen=50_000_00,
        paid_on=date(2019, 9, 20),
        paid_fen=50_000_00,
        outstanding_fen=50_000_00,
    )  # type: ignore[arg-type]
    await harness.redeliver(at(paid, shanghai(2019, 9, 20)))
    for friday in OCTOBER_FRIDAYS:
        body = WeeklyReportCreate(
            programme_code=PROGRAMME,
            week_of=friday,
            projects_started=0,
            projects_completed=0,
            projects_accepted=0,
            investment_completed_fen=0,
            narrative="按计划推进。",
        )
        on_friday = datetime.combine(friday, datetime.min.time(), tzinfo=UTC) + timedelta(hours=2)
        await harness.run(lambda s, b=body, t=on_friday: submit_weekly_report(s, district(JINSHUI), b, t))


def _body(month: str = "2019-10") -> EvaluationCreate:
    return EvaluationCreate(programme_code=PROGRAMME, month=month)


async def test_the_monthly_evaluation_scores_each_district_by_the_profile_weights(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _october(harness)
    evaluation = await harness.run(lambda s: publish_evaluation(s, office(), _body(), NOV_1))
    assert (evaluation.month, evaluation.as_of, evaluation.full_marks) == (
        "2019-10",
        date(2019, 10, 31),
        "100",
    )
    assert evaluation.weights["progress"] == "0.40"
    first, second = evaluation.districts[:2]
    # Jinshui: 4 done of 4 due by 31 October (10 × 0.5 × 304/365 = 4.16 → 4), 4/4 reports on time,
    # 4 inspections passed of 5, 1 rectification of 1, half the award paid:
    # 100 × (0.4 × 1 + 0.2 × 1 + 0.15 × 0.8 + 0.1 × 1 + 0.15 × 0.5) = 89.50
    assert (first.rank, first.district_code, first.score) == (1, JINSHUI, "89.50")
    assert first.components.model_dump() == {
        "progress": "1.0000",
        "timeliness": "1.0000",
        "first_pass_acceptance": "0.8000",
        "rectification": "1.0000",
        "payout": "0.5000",
    }
    assert (first.inputs.reports_due, first.inputs.reports_on_time, first.inputs.expected_by_now) == (4, 4, 4)
    # Erqi: 1 of 4 due, no report, 1 inspection passed, no rectification or award to measure:
    # 100 × (0.4 × 0.25 + 0.2 × 0 + 0.15 × 1) / 0.75 = 33.33
    assert (second.district_code, second.score, second.components.rectification) == (ERQI, "33.33", None)
    assert evaluation.restatements == []
    (event,) = await harness.outbox()
    assert event.type == "reporting.evaluation.published.v1"
    assert (event.data["month"], event.data["districts"], event.data["restatements"]) == ("2019-10", 5, 0)
    assert "evaluation.published" in await harness.audit_actions()


async def test_a_month_is_published_once_by_the_office_after_it_is_over(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _october(harness)
    with pytest.raises(InvalidState):
        await harness.run(lambda s: publish_evaluation(s, office(), _body(), NOV_1 - timedelta(hours=11)))
    with pytest.raises(Forbidden):
        await harness.run(lambda s: publish_evaluation(s, district(JINSHUI), _body(), NOV_1))
    with pytest.raises(RuleViolation) as refused:
        await harness.run(
            lambda s: publish_evaluation(
                s, office(), EvaluationCreate(programme_code="zhongyuan-2013", month="2019-10"), NOV_1
            )
        )
    assert [(p.field, p.rule) for p in refused.value.errors] == [("programme_code", "no_monthly_evaluation")]
    with pytest.raises(NotFound):
        await harness.run(lambda s: get_evaluation(s, office(), PROGRAMME, "2019-10"))
    await harness.run(lambda s: publish_evaluation(s, office(), _body(), NOV_1))
    with pytest.raises(Conflict):
        await harness.run(lambda s: publish_evaluation(s, office(), _body(), NOV_1 + timedelta(days=3)))
    assert len(await harness.outbox()) == 1
    mine = await harness.run(lambda s: get_evaluation(s, district(ERQI), PROGRAMME, "2019-10"))
    assert [d.district_code for d in mine.districts] == [ERQI]
    assert [e.month for e in await harness.run(lambda s: list_evaluations(s, office(), PROGRAMME))] == [
        "2019-10"
    ]


async def test_a_late_event_never_changes_a_published_evaluation_and_is_restated_in_the_next(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _october(harness)
    published = await harness.run(lambda s: publish_evaluation(s, office(), _body(), NOV_1))
    # Erqi's acceptance of 20 October is heard only on 5 November
    late = at(accepted(ERQI, accepted_on=date(2019, 10, 20)), shanghai(2019, 11, 5))
    assert await harness.redeliver(late) == "handled"
    again = await harness.run(lambda s: get_evaluation(s, office(), PROGRAMME, "2019-10"))
    assert again == published
    shown = await harness.run(lambda s: restatements(s, office(), PROGRAMME, 4))
    assert [
        (r.publication, r.period, r.district_code, r.figure, r.published, r.now, r.change) for r in shown
    ] == [("evaluation", "2019-10", ERQI, "done", 1, 2, 1)]
    november = await harness.run(
        lambda s: publish_evaluation(s, office(), _body("2019-11"), datetime(2019, 12, 1, 2, tzinfo=UTC))
    )
    assert [
        (r.month, r.district_code, r.figure, r.published, r.now, r.change) for r in november.restatements
    ] == [("2019-10", ERQI, "done", 1, 2, 1)]
    erqi = next(d for d in november.districts if d.district_code == ERQI)
    assert erqi.inputs.done == 2
    events = await harness.outbox()
    assert events[-1].data["restatements"] == 1
    # a redelivered late event changes nothing more
    assert await harness.redeliver(late) == "duplicate"
    assert (
        await harness.run(lambda s: get_evaluation(s, office(), PROGRAMME, "2019-11"))
    ).districts == november.districts
    assert Decimal(erqi.score) > Decimal(
        next(d for d in published.districts if d.district_code == ERQI).score
    )
