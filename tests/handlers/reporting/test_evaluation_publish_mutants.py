"""Publishing the monthly evaluation, its edges, on SQLite: who may publish and which plans set no
evaluation (each answer saying why); one evaluation per programme and month (the conflict target,
the 409 naming the month), audited; its inputs (award with its true-ups, zeros for a district
with no figures, no target when the plan as given sets none); and its restatements, always
against the same programme's latest earlier month, each district reading only its own.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from sqlalchemy import event

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.evaluations import get_evaluation, publish_evaluation
from services.reporting.models.evaluations import EvaluationCreate
from shared.audit import AuditEntry
from shared.contracts.funding import SubsidyAdjusted
from shared.errors import Conflict, Forbidden, RuleViolation
from shared.policy import ProgrammeProfile, get_profile
from tests.handlers.harness import ServiceHarness
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
    registered,
    shanghai,
)


def _utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 2, tzinfo=UTC)


async def _publish(harness: ServiceHarness, month: str, now: datetime, programme: str = PROGRAMME, **kw):  # type: ignore[no-untyped-def]
    body = EvaluationCreate(programme_code=programme, month=month)
    return await harness.run(
        lambda s: publish_evaluation(s, kw.get("actor") or office(), body, now, **kw.get("extra", {}))
    )


async def _city(harness: ServiceHarness) -> None:
    for code in (JINSHUI, ERQI):
        for _ in range(10):
            await harness.redeliver(at(registered(code), shanghai(2019, 3, 1)))


async def test_only_the_office_publishes_and_a_plan_without_an_evaluation_is_refused_saying_so(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    with pytest.raises(Forbidden) as refused:
        await _publish(harness, "2019-10", _utc(2019, 11, 1), actor=district(JINSHUI))
    assert refused.value.detail == "only the leading-group office publishes the monthly evaluation"
    with pytest.raises(RuleViolation) as none:
        await _publish(harness, "2013-10", _utc(2013, 11, 1), programme="zhongyuan-2013")
    assert none.value.detail == "zhongyuan-2013 sets no monthly evaluation"
    assert [(e.field, e.rule, e.message) for e in none.value.errors] == [
        ("programme_code", "no_monthly_evaluation", "the plan sets no monthly evaluation")
    ]


async def test_a_month_is_published_once_audited_and_its_inputs_add_the_true_ups(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    award = award_common()
    await harness.redeliver(at(approved(JINSHUI, amount_fen=100_000_00), shanghai(2019, 9, 12)))
    adjusted = SubsidyAdjusted(
        **award,  # type: ignore[arg-type]
        adjustment_id=uuid4(),
        audited_investment_fen=240_000_00,
        previous_amount_fen=100_000_00,
        new_amount_fen=96_000_00,
        adjustment_fen=-4_000_00,
        audited_on=date(2019, 9, 20),
    )
    await harness.redeliver(at(adjusted, shanghai(2019, 9, 20)))
    statements: list[str] = []

    def keep(conn, clauseelement, multiparams, params, execution_options):  # type: ignore[no-untyped-def]
        if getattr(clauseelement, "is_insert", False):
            statements.append(str(clauseelement.compile(dialect=conn.dialect)))

    event.listen(harness.engine.sync_engine, "before_execute", keep)
    try:
        published = await _publish(harness, "2019-10", _utc(2019, 11, 1))
    finally:
        event.remove(harness.engine.sync_engine, "before_execute", keep)
    (insert,) = [s for s in statements if "INSERT INTO evaluation" in s]
    assert "ON CONFLICT (programme_code, month_start) DO NOTHING" in insert
    inputs = {line.district_code: line.inputs for line in published.districts}
    assert inputs[JINSHUI].awarded_fen == 96_000_00  # 100 000 yuan approved, trued up by −4 000
    huiji = inputs["zz-huiji"]  # bound by the plan, no figures
    assert (huiji.task, huiji.acceptance_failures, huiji.rectifications_completed) == (0, 0, 0)
    assert (huiji.awarded_fen, huiji.paid_fen) == (0, 0)
    (entry,) = [e for e in await harness.all(AuditEntry) if e.action == "evaluation.published"]
    assert (entry.record_type, entry.record_id, json.loads(entry.after)) == (
        "evaluation",
        str(published.id),
        {"month": "2019-10"},
    )
    with pytest.raises(Conflict) as again:
        await _publish(harness, "2019-10", _utc(2019, 11, 2))
    assert again.value.detail == "the evaluation of 2019-10 is already published; its figures are frozen"


async def test_a_plan_given_without_yearly_targets_evaluates_with_no_expected_figure(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    real = get_profile(PROGRAMME)
    untargeted = real.model_copy(
        update={"supervision": real.supervision.model_copy(update={"yearly_targets": None})}
    )

    def profiles(code: str) -> ProgrammeProfile:
        return untargeted if code == PROGRAMME else get_profile(code)

    published = await _publish(harness, "2019-10", _utc(2019, 11, 1), extra={"profiles": profiles})
    assert all(line.inputs.expected_by_now is None for line in published.districts)


async def test_restatements_are_against_the_latest_earlier_month_and_each_district_reads_its_own(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    await _publish(harness, "2019-08", _utc(2019, 10, 10))
    await _publish(harness, "2019-09", _utc(2019, 10, 10))
    for code in (JINSHUI, ERQI):  # dated in August, heard after both were published
        await harness.redeliver(at(accepted(code, accepted_on=date(2019, 8, 20)), shanghai(2019, 10, 11)))
    october = await _publish(harness, "2019-10", _utc(2019, 11, 1))
    assert {r.month for r in october.restatements} == {"2019-09"}
    assert {r.district_code for r in october.restatements} == {ERQI, JINSHUI}
    mine = await harness.run(lambda s: get_evaluation(s, district(JINSHUI), PROGRAMME, "2019-10"))
    assert mine.restatements and {r.district_code for r in mine.restatements} == {JINSHUI}
    # a month published after a later one is restated against its own predecessor, never a later month
    await harness.redeliver(at(accepted(JINSHUI, accepted_on=date(2019, 10, 15)), shanghai(2019, 11, 2)))
    july = await _publish(harness, "2019-07", _utc(2019, 11, 3))
    assert july.restatements == []


async def test_restatements_are_against_the_same_programmes_earlier_month(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    await _publish(harness, "2019-08", _utc(2019, 10, 10))
    await _publish(harness, "2019-09", _utc(2019, 10, 10), programme="zhengzhou-2018")
    await harness.redeliver(at(accepted(JINSHUI, accepted_on=date(2019, 8, 20)), shanghai(2019, 10, 11)))
    october = await _publish(harness, "2019-10", _utc(2019, 11, 1))
    assert {r.month for r in october.restatements} == {"2019-08"}
