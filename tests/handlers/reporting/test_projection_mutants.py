"""Projection edges on SQLite: the day a fact counts on when its event states one (and when it does
not), utility figures that add up on one row, and the utility rollup as of a period's end (that
day included), its own changes in the period (zero when none), and its order.

Figures are worked out by hand from the events delivered.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from sqlalchemy import event

from services.reporting.domain.periods import Period, period_span
from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.rollups import district_rollup, utility_rollups
from services.reporting.models.projections import UtilityDay
from shared.contracts.funding import SubsidyAdjusted
from shared.contracts.registry import (
    CommunityReassessed,
    CommunityRegistered,
    ConstructionStarted,
    PipelineWorkAssigned,
    PropertyTakenOver,
)
from shared.errors import NotFound
from tests.handlers.harness import ServiceHarness
from tests.handlers.reporting.events import ERQI, JINSHUI, PROGRAMME, at, award_common, office, project_common

PLANNED = {"scope": "架空线入地", "planned_start_on": date(2026, 11, 2), "planned_end_on": date(2026, 11, 30)}


def _assigned(utility: str, district: str = JINSHUI) -> PipelineWorkAssigned:
    return PipelineWorkAssigned(
        **project_common(district),  # type: ignore[arg-type]
        work_id=uuid4(),
        item_code="power-lines",
        utility_code=utility,
        **PLANNED,  # type: ignore[arg-type]
    )


def _utc(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


async def _rollup(harness: ServiceHarness, day: date) -> dict[str, int]:
    span = period_span(Period.DAY, day)
    rollup = await harness.run(lambda s: district_rollup(s, office(), JINSHUI, span, PROGRAMME))
    return rollup.in_period.model_dump()


async def test_a_reassessment_counts_on_the_day_it_states_not_the_day_it_was_heard(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    fields = {
        "community_id": uuid4(),
        "programme_code": PROGRAMME,
        "district_code": JINSHUI,
        "street_office": "文化路街道",
        "households": 40,
        "floor_area_m2": Decimal("1000"),
        "name": "文化路1号院",
    }
    await harness.deliver(CommunityRegistered(**fields, eligible=False, registered_on=date(2026, 11, 2)))  # type: ignore[arg-type]
    reassessed = CommunityReassessed(
        **fields,  # type: ignore[arg-type]
        eligible=True,
        was_eligible=False,
        reassessed_on=date(2026, 11, 5),
    )
    await harness.redeliver(at(reassessed, _utc(2026, 11, 9, 2)))  # heard four days later
    on_the_day = await _rollup(harness, date(2026, 11, 5))
    assert (on_the_day["eligible_communities"], on_the_day["eligible_households"]) == (1, 40)
    assert on_the_day["ledger_communities"] == 0  # a reassessment enters nothing new
    assert (await _rollup(harness, date(2026, 11, 9)))["eligible_communities"] == 0


async def test_an_adjustment_without_an_audit_date_counts_on_its_event_day_in_shanghai(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    adjusted = SubsidyAdjusted(
        **award_common(),  # type: ignore[arg-type]
        adjustment_id=uuid4(),
        audited_investment_fen=90_000_00,
        previous_amount_fen=40_000_00,
        new_amount_fen=36_000_00,
        adjustment_fen=-4_000_00,
    )
    await harness.redeliver(at(adjusted, _utc(2026, 11, 20, 17)))  # 01:00 on 21 November in Shanghai
    assert (await _rollup(harness, date(2026, 11, 21)))["award_adjustment_fen"] == -4_000_00
    with pytest.raises(NotFound):  # nothing counted by the end of 20 November
        await _rollup(harness, date(2026, 11, 20))


async def test_two_assignments_to_one_utility_on_one_day_add_up_on_one_row(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    day = _utc(2026, 11, 10, 2)
    await harness.redeliver(at(_assigned("power"), day))
    first_now = harness.clock.now()
    harness.clock.advance(timedelta(minutes=5))
    await harness.redeliver(at(_assigned("power"), day))
    await harness.redeliver(at(_assigned("power"), day))
    (row,) = await harness.all(UtilityDay)
    assert (row.utility_code, row.day, row.works_assigned) == ("power", date(2026, 11, 10), 3)
    assert row.updated_at == first_now + timedelta(minutes=5)
    (rollup,) = await harness.run(lambda s: utility_rollups(s, office(), PROGRAMME))
    assert (rollup.works_assigned, rollup.open_works) == (3, 3)


async def test_the_utility_rollup_as_of_a_period_includes_its_last_day_and_its_own_changes(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.redeliver(at(_assigned("power"), _utc(2026, 11, 1, 2)))  # the week before
    await harness.redeliver(at(_assigned("power"), _utc(2026, 11, 8, 2)))  # Sunday, the week's last day
    await harness.redeliver(at(_assigned("power"), _utc(2026, 11, 9, 2)))  # the week after
    week = period_span(Period.WEEK, date(2026, 11, 2))  # Monday 2 to Sunday 8 November
    (rollup,) = await harness.run(lambda s: utility_rollups(s, office(), PROGRAMME, week))
    assert (rollup.works_assigned, rollup.as_of) == (2, date(2026, 11, 8))
    assert rollup.in_period is not None
    assert rollup.in_period.model_dump() == {
        "works_assigned": 1,
        "works_started": 0,
        "works_completed": 0,
        "exemptions": 0,
    }
    (now,) = await harness.run(lambda s: utility_rollups(s, office(), PROGRAMME))
    assert (now.works_assigned, now.as_of, now.in_period) == (3, None, None)


async def test_utility_rollups_are_ordered_by_district_then_utility(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    day = _utc(2026, 11, 10, 2)
    for utility, district_code in (("water", ERQI), ("gas", JINSHUI), ("power", ERQI), ("cable", JINSHUI)):
        await harness.redeliver(at(_assigned(utility, district_code), day))
    rows = await harness.run(lambda s: utility_rollups(s, office(), PROGRAMME))
    assert [(r.district_code, r.utility_code) for r in rows] == sorted(
        [(ERQI, "power"), (ERQI, "water"), (JINSHUI, "cable"), (JINSHUI, "gas")]
    )


async def test_a_takeovers_half_square_decimetre_rounds_up(harness_for) -> None:  # type: ignore[no-untyped-def]
    """dm² are whole: 0.125 m² is 12.5 dm², counted as 13 (half up, as money is), not 12 (half even)."""
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    takeover = PropertyTakenOver(  # type: ignore[arg-type]
        **project_common(),
        taken_over_on=date(2026, 11, 3),
        mode="property-company",
        manager="某物业公司",
        floor_area_m2=Decimal("0.125"),
    )
    await harness.redeliver(at(takeover, _utc(2026, 11, 4, 2)))
    rollup = await harness.run(lambda s: district_rollup(s, office(), JINSHUI, None, PROGRAMME))
    assert rollup.taken_over_floor_area_dm2 == 13


async def test_patrol_days_due_count_only_the_programme_asked(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    zhongyuan = "zz-zhongyuan"
    own = project_common(zhongyuan, "zhongyuan-2013")
    other = project_common(zhongyuan, PROGRAMME)  # the same district in the city's 2019 programme
    await harness.redeliver(at(ConstructionStarted(**own, started_on=date(2013, 7, 1)), _utc(2013, 7, 1, 2)))  # type: ignore[arg-type]
    await harness.redeliver(
        at(ConstructionStarted(**other, started_on=date(2013, 7, 1)), _utc(2013, 7, 1, 2))
    )  # type: ignore[arg-type]
    week = period_span(Period.WEEK, date(2013, 7, 7))  # 1–7 July: one site, 7 days
    rollup = await harness.run(lambda s: district_rollup(s, office(), zhongyuan, week, "zhongyuan-2013"))
    assert (rollup.patrol_days_due, rollup.patrols_missed) == (7, 7)


async def test_works_started_on_the_periods_last_day_are_due_one_patrol(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    site = project_common("zz-zhongyuan", "zhongyuan-2013")
    await harness.redeliver(at(ConstructionStarted(**site, started_on=date(2013, 7, 7)), _utc(2013, 7, 7, 2)))  # type: ignore[arg-type]
    week = period_span(Period.WEEK, date(2013, 7, 7))  # 1–7 July
    rollup = await harness.run(lambda s: district_rollup(s, office(), "zz-zhongyuan", week, "zhongyuan-2013"))
    assert (rollup.patrol_days_due, rollup.patrols_missed) == (1, 1)


async def test_a_utility_figure_is_added_on_its_row_key_and_stamps_the_rows_time(harness_for) -> None:  # type: ignore[no-untyped-def]
    """The upsert names its conflict target and the column it stamps, as PostgreSQL requires."""
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    statements: list[str] = []

    def keep(conn, clauseelement, multiparams, params, execution_options):  # type: ignore[no-untyped-def]
        if getattr(clauseelement, "is_insert", False):
            statements.append(str(clauseelement.compile(dialect=conn.dialect)))

    event.listen(harness.engine.sync_engine, "before_execute", keep)
    try:
        await harness.redeliver(at(_assigned("power"), _utc(2026, 11, 10, 2)))
    finally:
        event.remove(harness.engine.sync_engine, "before_execute", keep)
    (upsert,) = [s for s in statements if "INSERT INTO utility_day" in s]
    target = "ON CONFLICT (programme_code, district_code, utility_code, day) DO UPDATE SET "
    assert target in upsert
    assert "updated_at = excluded.updated_at" in upsert.split(target)[1]
