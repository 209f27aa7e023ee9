"""Rollups read whole months from district_month and the last month's days from district_day; the
answer equals summing every daily row, for any period, including weeks across a month's end."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from services.reporting.domain.periods import Period, period_span
from services.reporting.domain.projections import FIGURES, figure_delta
from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.projections import add_delta
from services.reporting.handlers.rollups import district_rollups
from services.reporting.models.projections import DistrictDay, DistrictMonth
from services.reporting.models.rollups import DistrictRollupPublic
from tests.handlers.reporting.events import (
    ERQI,
    JINSHUI,
    PROGRAMME,
    accepted,
    at,
    office,
    registered,
    shanghai,
)
from tests.support.sql_capture import postgresql_selects


async def test_months_plus_days_equal_the_sum_of_every_day_for_any_period(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    rng = random.Random(3)
    for _ in range(60):
        day = date(2019, 1, 1) + timedelta(days=rng.randrange(120))
        code = rng.choice((JINSHUI, ERQI))
        await harness.redeliver(at(registered(code), shanghai(day.year, day.month, day.day)))
        await harness.redeliver(at(accepted(code, accepted_on=day + timedelta(days=3)), shanghai(2019, 6, 1)))
    days = await harness.all(DistrictDay)
    months = await harness.all(DistrictMonth)
    assert sum(r.registered_projects for r in months) == sum(r.registered_projects for r in days) == 60
    for period, on in [
        (Period.WEEK, date(2019, 3, 1)),  # 25 February – 3 March: across February's end
        (Period.WEEK, date(2019, 1, 31)),
        (Period.MONTH, date(2019, 2, 10)),
        (Period.DAY, date(2019, 4, 2)),
        (Period.MONTH, date(2019, 5, 31)),
    ]:
        span = period_span(period, on)
        found = {
            r.district_code: r
            for r in await harness.run(lambda s, sp=span: district_rollups(s, office(), sp, PROGRAMME))
        }
        for code in (JINSHUI, ERQI):
            mine = [r for r in days if r.district_code == code]
            to_end = {n: sum(getattr(r, n) for r in mine if r.day <= span.end) for n in FIGURES}
            within = {n: sum(getattr(r, n) for r in mine if span.start <= r.day <= span.end) for n in FIGURES}
            rollup = found[code]
            assert {n: getattr(rollup, n) for n in FIGURES} == to_end, (span, code)
            # built without validation: the types must already be the model's own
            assert isinstance(rollup.updated_at, datetime) and rollup.updated_at.tzinfo is not None
            assert (rollup.period, rollup.as_of) == (span.period, span.end)
            assert DistrictRollupPublic.model_validate(rollup.model_dump()) == rollup
            assert rollup.in_period is not None
            assert {n: getattr(rollup.in_period, n) for n in FIGURES} == within, (span, code)
    now = {
        r.district_code: r
        for r in await harness.run(lambda s: district_rollups(s, office(), None, PROGRAMME))
    }
    assert now[JINSHUI].registered_projects + now[ERQI].registered_projects == 60


async def test_a_rolled_back_unit_of_work_writes_none_of_its_deltas(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)

    async def fails(session) -> None:  # type: ignore[no-untyped-def]
        delta = figure_delta(PROGRAMME, JINSHUI, date(2019, 3, 1), {"registered_projects": 1})
        await add_delta(session, delta, harness.clock.now())
        raise RuntimeError("the handler failed after counting")

    with pytest.raises(RuntimeError):
        await harness.run(fails)
    assert await harness.all(DistrictDay) == [] and await harness.all(DistrictMonth) == []

    async def counts_twice(session) -> None:  # type: ignore[no-untyped-def]
        for _ in range(2):
            delta = figure_delta(PROGRAMME, JINSHUI, date(2019, 3, 1), {"registered_projects": 1})
            await add_delta(session, delta, harness.clock.now())

    await harness.run(counts_twice)
    (day,) = await harness.all(DistrictDay)
    (month,) = await harness.all(DistrictMonth)
    assert (day.registered_projects, month.registered_projects, month.month) == (2, 2, date(2019, 3, 1))


async def test_a_month_reads_month_rows_only_and_a_week_also_its_last_months_days(harness_for) -> None:  # type: ignore[no-untyped-def]
    """A month's row is the sum of its days: a month period needs no day rows, a week does."""
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.redeliver(at(registered(JINSHUI), shanghai(2019, 2, 10)))
    for period, on, reads_days in [
        (Period.MONTH, date(2019, 2, 10), False),
        (Period.MONTH, date(2019, 3, 1), False),
        (Period.WEEK, date(2019, 2, 10), True),
        (Period.DAY, date(2019, 3, 1), True),
    ]:
        span = period_span(period, on)
        for programme in (PROGRAMME, None):
            with postgresql_selects(harness) as statements:
                await harness.run(lambda s, sp=span, p=programme: district_rollups(s, office(), sp, p))
            (rollup,) = [q for q in statements if "district_month" in q]
            assert ("district_day" in rollup) is reads_days, (period, on, programme)


async def test_a_programmes_month_counts_its_own_rows_per_district_in_code_order(harness_for) -> None:  # type: ignore[no-untyped-def]
    from services.reporting.handlers.rollups import district_rollup

    harness = await harness_for("reporting", SUBSCRIPTIONS)
    other = "zhengzhou-2018"
    for code, programme, n in [
        (JINSHUI, PROGRAMME, 2),
        (ERQI, PROGRAMME, 1),
        (ERQI, other, 4),
        (JINSHUI, other, 8),
    ]:
        for _ in range(n):
            await harness.redeliver(at(registered(code, programme_code=programme), shanghai(2019, 2, 10)))
    await harness.redeliver(at(registered(ERQI), shanghai(2019, 1, 5)))  # an earlier month counts too
    month = period_span(Period.MONTH, date(2019, 2, 1))
    found = await harness.run(lambda s: district_rollups(s, office(), month, PROGRAMME))
    assert [(r.district_code, r.registered_projects) for r in found] == [(ERQI, 2), (JINSHUI, 2)]
    assert [r.in_period.registered_projects for r in found if r.in_period] == [1, 2]
    # the district that sorts last: a statement that lost its district filter would answer the first
    mine = await harness.run(lambda s: district_rollup(s, office(), JINSHUI, month, PROGRAMME))
    assert (mine.district_code, mine.registered_projects) == (JINSHUI, 2)
    assert mine.in_period is not None and mine.in_period.registered_projects == 2
    (now,) = [
        r
        for r in await harness.run(lambda s: district_rollups(s, office(), None, other))
        if r.district_code == ERQI
    ]
    assert now.registered_projects == 4 and now.in_period is None and now.period is None
    assert isinstance(now.updated_at, datetime) and now.updated_at.tzinfo is not None
