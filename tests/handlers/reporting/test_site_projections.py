"""Safety patrols and taken-over floor area in the daily figures; missed patrols as of a period's end."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.reporting.domain.periods import Period, period_span
from services.reporting.domain.rollups import patrol_days_due
from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.rollups import district_rollup
from shared.contracts.registry import (
    ConstructionCompleted,
    ConstructionStarted,
    PropertyTakenOver,
    SafetyPatrolRecorded,
)
from tests.handlers.reporting.events import JINSHUI, PROGRAMME, at, office, project_common, shanghai

ZHONGYUAN = "zz-zhongyuan"
ZY = "zhongyuan-2013"


def _patrol(day: date, hazards: list[str], common: dict[str, object]) -> SafetyPatrolRecorded:
    return SafetyPatrolRecorded(  # type: ignore[arg-type]
        **common,
        patrolled_on=day,
        findings="脚手架未设防护网",
        hazards=hazards,
        contractor_notified=bool(hazards),
    )


async def test_patrols_and_hazards_count_once_and_missed_site_days_show_as_of_the_period_end(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    first, second = project_common(ZHONGYUAN, ZY), project_common(ZHONGYUAN, ZY)
    # works: the first site 1–10 July (10 days), the second from 8 July, still on site on 14 July (7 days)
    await harness.redeliver(
        at(ConstructionStarted(**first, started_on=date(2013, 7, 1)), shanghai(2013, 7, 1))
    )  # type: ignore[arg-type]
    await harness.redeliver(
        at(ConstructionCompleted(**first, completed_on=date(2013, 7, 10)), shanghai(2013, 7, 10))
    )  # type: ignore[arg-type]
    await harness.redeliver(
        at(ConstructionStarted(**second, started_on=date(2013, 7, 8)), shanghai(2013, 7, 8))
    )  # type: ignore[arg-type]
    patrols = [
        at(_patrol(date(2013, 7, d), ["临边无护栏"] if d == 2 else [], first), shanghai(2013, 7, d))
        for d in range(1, 11)
    ]
    patrols += [at(_patrol(date(2013, 7, d), [], second), shanghai(2013, 7, d)) for d in (8, 9)]
    for envelope in patrols:
        assert await harness.redeliver(envelope) == "handled"
    assert await harness.redeliver(patrols[1]) == "duplicate"
    week = period_span(Period.WEEK, date(2013, 7, 14))  # 8–14 July
    rollup = await harness.run(lambda s: district_rollup(s, office(), ZHONGYUAN, week, ZY))
    assert (rollup.patrols_recorded, rollup.patrol_hazards) == (12, 1)
    assert rollup.in_period is not None and rollup.in_period.patrols_recorded == 5
    # due: 10 site-days for the first, 7 for the second; 12 recorded → 5 missed
    assert (rollup.patrol_days_due, rollup.patrols_missed) == (17, 5)
    without_period = await harness.run(lambda s: district_rollup(s, office(), ZHONGYUAN, None, ZY))
    assert without_period.patrols_missed is None


async def test_a_takeover_adds_the_communitys_floor_area_exactly(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    for area in (Decimal("12345.67"), Decimal("0.01"), None):
        takeover = PropertyTakenOver(  # type: ignore[arg-type]
            **project_common(),
            taken_over_on=date(2026, 11, 3),
            mode="property-company",
            manager="某物业公司",
            floor_area_m2=area,
        )
        envelope = at(takeover, shanghai(2026, 11, 4))
        assert await harness.redeliver(envelope) == "handled"
        assert await harness.redeliver(envelope) == "duplicate"
    rollup = await harness.run(lambda s: district_rollup(s, office(), JINSHUI, None, PROGRAMME))
    assert (rollup.taken_over_projects, rollup.taken_over_floor_area_dm2) == (3, 1_234_568)
    assert rollup.patrol_days_due is None  # Zhengzhou 2019 sets no daily patrol


def test_patrol_days_due_counts_each_site_from_start_to_finish_both_included() -> None:
    days = [(date(2013, 7, 1), 1, 0), (date(2013, 7, 10), 0, 1), (date(2013, 7, 8), 1, 0)]
    assert patrol_days_due(days, date(2013, 7, 14)) == 17
    assert patrol_days_due(days, date(2013, 7, 1)) == 1
    assert patrol_days_due(days, date(2013, 6, 30)) == 0
