"""Reporting's projection handlers on SQLite: each event counted once, on the day it took effect."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.rollups import district_rollup, district_rollups
from services.reporting.models.projections import DistrictDay
from shared.errors import RuleViolation
from shared.types import MONEY_CEILING_FEN
from tests.handlers.reporting.events import (
    ERQI,
    JINSHUI,
    PROGRAMME,
    accepted,
    approved,
    at,
    office,
    registered,
    shanghai,
)


async def _figures(harness, district_code: str = JINSHUI) -> dict[str, int]:  # type: ignore[no-untyped-def]
    rollup = await harness.run(lambda s: district_rollup(s, office(), district_code))
    return rollup.model_dump(
        include={
            "registered_projects",
            "registered_investment_fen",
            "accepted_projects",
            "accepted_investment_fen",
            "approved_awards",
            "approved_award_fen",
        }
    )


async def test_a_registered_project_is_counted_once_with_its_planned_investment(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    envelope = at(registered(investment_fen=123_456_78), shanghai(2026, 11, 20))
    assert await harness.redeliver(envelope) == "handled"
    assert await harness.redeliver(envelope) == "duplicate"
    figures = await _figures(harness)
    assert figures["registered_projects"] == 1
    assert figures["registered_investment_fen"] == 123_456_78
    (row,) = await harness.all(DistrictDay)
    assert (row.programme_code, row.district_code, row.day) == (PROGRAMME, JINSHUI, date(2026, 11, 20))
    assert row.updated_at == harness.clock.now()
    assert await harness.outbox_types() == []


async def test_an_accepted_project_counts_on_its_acceptance_date_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    envelope = at(accepted(investment_fen=700_000_00, accepted_on=date(2026, 11, 18)), shanghai(2026, 11, 20))
    assert await harness.redeliver(envelope) == "handled"
    assert await harness.redeliver(envelope) == "duplicate"
    (row,) = await harness.all(DistrictDay)
    assert row.day == date(2026, 11, 18)
    assert (row.accepted_projects, row.accepted_investment_fen) == (1, 700_000_00)


async def test_an_approved_award_adds_its_amount_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    first, second = (
        at(approved(amount_fen=400_000_00), shanghai(2026, 11, 20)),
        at(approved(amount_fen=1), shanghai(2026, 11, 20)),
    )
    for envelope in (first, second, first, second):
        await harness.redeliver(envelope)
    figures = await _figures(harness)
    assert (figures["approved_awards"], figures["approved_award_fen"]) == (2, 400_000_01)


async def test_three_projects_at_the_money_ceiling_sum_exactly(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    award = MONEY_CEILING_FEN * 4 // 10
    for _ in range(3):
        await harness.redeliver(at(registered(investment_fen=MONEY_CEILING_FEN), shanghai(2026, 11, 19)))
        await harness.redeliver(at(accepted(investment_fen=MONEY_CEILING_FEN), shanghai(2026, 11, 20)))
        await harness.redeliver(at(approved(amount_fen=award), shanghai(2026, 11, 20)))
    figures = await _figures(harness)
    assert figures == {
        "registered_projects": 3,
        "registered_investment_fen": 3 * MONEY_CEILING_FEN,
        "accepted_projects": 3,
        "accepted_investment_fen": 3 * MONEY_CEILING_FEN,
        "approved_awards": 3,
        "approved_award_fen": 3 * award,
    }


async def test_an_investment_above_the_money_ceiling_is_refused_and_writes_nothing(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    envelope = at(registered(investment_fen=2**63 - 1), shanghai(2026, 11, 20))
    with pytest.raises(RuleViolation) as refused:
        await harness.redeliver(envelope)
    assert [p.rule for p in refused.value.errors] == ["money_ceiling"]
    assert await harness.all(DistrictDay) == []
    with pytest.raises(RuleViolation):  # no inbox row was kept: a redelivery is judged again
        await harness.redeliver(envelope)


async def test_concurrent_deliveries_to_one_row_lose_no_increment(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    envelopes = [at(approved(amount_fen=n), shanghai(2026, 11, 20)) for n in range(1, 41)]
    outcomes = await asyncio.gather(*(harness.redeliver(e) for e in envelopes + envelopes))
    assert sorted(outcomes) == ["duplicate"] * 40 + ["handled"] * 40
    figures = await _figures(harness)
    assert (figures["approved_awards"], figures["approved_award_fen"]) == (40, sum(range(1, 41)))


async def test_each_district_and_programme_keeps_its_own_rows(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.redeliver(at(registered(JINSHUI), shanghai(2026, 11, 20)))
    await harness.redeliver(at(registered(ERQI), shanghai(2026, 11, 20)))
    await harness.redeliver(at(registered(ERQI, programme_code="zhengzhou-2018"), shanghai(2026, 11, 20)))
    rows = await harness.all(DistrictDay)
    assert sorted((r.programme_code, r.district_code) for r in rows) == [
        ("zhengzhou-2018", ERQI),
        (PROGRAMME, ERQI),
        (PROGRAMME, JINSHUI),
    ]
    everyone = await harness.run(lambda s: district_rollups(s, office()))
    assert [(r.district_code, r.registered_projects) for r in everyone] == [(ERQI, 2), (JINSHUI, 1)]
    one_programme = await harness.run(
        lambda s: district_rollups(s, office(), programme_code="zhengzhou-2018")
    )
    assert [(r.district_code, r.registered_projects) for r in one_programme] == [(ERQI, 1)]
