"""Utilities' pipeline work per company and district: assigned, started, completed, exempted, once each."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from services.reporting.domain.periods import Period, period_span
from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.rollups import utility_rollups
from shared.contracts.registry import (
    PipelineWorkAssigned,
    PipelineWorkCompleted,
    PipelineWorkExempted,
    PipelineWorkStarted,
)
from tests.handlers.reporting.events import (
    ERQI,
    JINSHUI,
    PROGRAMME,
    at,
    district,
    office,
    project_common,
    shanghai,
)


def _work(utility: str, common: dict[str, object]) -> dict[str, object]:
    return {**common, "work_id": uuid4(), "item_code": "power-lines", "utility_code": utility}


async def test_pipeline_work_is_counted_per_utility_on_its_own_dates_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    common = project_common()
    power, water = _work("power", common), _work("water", common)
    planned = {
        "scope": "架空线入地",
        "planned_start_on": date(2026, 11, 2),
        "planned_end_on": date(2026, 11, 30),
    }
    envelopes = [
        at(PipelineWorkAssigned(**power, **planned), shanghai(2026, 10, 28)),  # type: ignore[arg-type]
        at(PipelineWorkAssigned(**water, **planned), shanghai(2026, 10, 28)),  # type: ignore[arg-type]
        at(PipelineWorkStarted(**power, started_on=date(2026, 11, 2)), shanghai(2026, 11, 3)),  # type: ignore[arg-type]
        at(
            PipelineWorkCompleted(
                **power, completed_on=date(2026, 11, 16), scope_done="完成", evidence_ref="验收单1"
            ),  # type: ignore[arg-type]
            shanghai(2026, 11, 17),
        ),
        at(
            PipelineWorkExempted(  # type: ignore[arg-type]
                **common,
                work_ids=[water["work_id"]],
                utility_codes=["water"],
                reason="冬季停水",
                exempted_on=date(2026, 11, 18),
            ),
            shanghai(2026, 11, 18),
        ),
        at(PipelineWorkAssigned(**_work("power", project_common(ERQI)), **planned), shanghai(2026, 11, 10)),  # type: ignore[arg-type]
    ]
    for envelope in envelopes:
        assert await harness.redeliver(envelope) == "handled"
    for envelope in envelopes:
        assert await harness.redeliver(envelope) == "duplicate"
    now = await harness.run(lambda s: utility_rollups(s, office(), PROGRAMME))
    by = {(r.district_code, r.utility_code): r for r in now}
    jinshui_power, jinshui_water = by[(JINSHUI, "power")], by[(JINSHUI, "water")]
    assert (jinshui_power.works_assigned, jinshui_power.works_started, jinshui_power.works_completed) == (
        1,
        1,
        1,
    )
    assert (jinshui_power.open_works, jinshui_water.open_works, jinshui_water.exemptions) == (0, 1, 1)
    assert by[(ERQI, "power")].works_assigned == 1
    week = period_span(Period.WEEK, date(2026, 11, 2))  # 2–8 November: only the start
    early = {
        (r.district_code, r.utility_code): r
        for r in await harness.run(lambda s: utility_rollups(s, office(), PROGRAMME, week))
    }
    assert early[(JINSHUI, "power")].works_completed == 0
    assert early[(JINSHUI, "power")].in_period.works_started == 1  # type: ignore[union-attr]
    assert (ERQI, "power") not in early
    mine = await harness.run(lambda s: utility_rollups(s, district(ERQI), PROGRAMME))
    assert [(r.district_code, r.utility_code) for r in mine] == [(ERQI, "power")]
