"""Rollup and street-office edges, on SQLite: a district's rollup is its own (not the first district
by code) and one programme's (not another's in the same district), with the period it was asked
for; a district with no works has no patrols due and none missed; deltas of one unit of work (a
consumer batch) add up per row and keep the latest time; street rows refuse figures they do not
carry; every project of a batch is remembered with its name cut to 200 characters.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from services.reporting.domain.periods import Period, period_span
from services.reporting.domain.projections import figure_delta
from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.projections import add_delta
from services.reporting.handlers.rollups import district_rollup
from services.reporting.handlers.streets import add_office_delta, remember_project_office
from services.reporting.models.projections import DistrictDay
from services.reporting.models.streets import ProjectStreet, StreetDay
from shared.contracts.registry import SafetyPatrolRecorded
from tests.handlers.harness import DEFAULT_NOW
from tests.handlers.reporting.events import (
    ERQI,
    JINSHUI,
    PROGRAMME,
    at,
    office,
    project_common,
    registered,
    shanghai,
)

WENHUA = "文化路街道"


async def test_a_districts_rollup_is_its_own_though_another_district_sorts_first(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.redeliver(at(registered(ERQI), shanghai(2026, 11, 2)))
    for _ in range(3):
        await harness.redeliver(at(registered(JINSHUI), shanghai(2026, 11, 2)))
    rollup = await harness.run(lambda s: district_rollup(s, office(), JINSHUI))
    assert (rollup.district_code, rollup.registered_projects) == (JINSHUI, 3)


async def test_a_rollup_for_a_programme_counts_none_of_another_programme_in_the_district(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    for day in (shanghai(2026, 10, 5), shanghai(2026, 11, 18)):  # an earlier month and the week itself
        await harness.redeliver(at(registered(JINSHUI), day))
        await harness.redeliver(at(registered(JINSHUI, programme_code="zhengzhou-2018"), day))
    week = period_span(Period.WEEK, date(2026, 11, 18))
    rollup = await harness.run(lambda s: district_rollup(s, office(), JINSHUI, week, PROGRAMME))
    assert (rollup.registered_projects, rollup.in_period.registered_projects) == (2, 1)
    assert (rollup.period, rollup.period_label, rollup.period_start, rollup.as_of) == (
        Period.WEEK,
        "2026-W47",
        date(2026, 11, 16),
        date(2026, 11, 22),
    )


async def test_a_district_with_patrols_but_no_works_has_none_due_and_none_missed(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    patrol = SafetyPatrolRecorded(  # type: ignore[arg-type]
        **project_common("zz-zhongyuan", "zhongyuan-2013"),
        patrolled_on=date(2013, 7, 2),
        findings="无",
        hazards=[],
        contractor_notified=False,
    )
    await harness.redeliver(at(patrol, shanghai(2013, 7, 2)))
    week = period_span(Period.WEEK, date(2013, 7, 7))
    rollup = await harness.run(lambda s: district_rollup(s, office(), "zz-zhongyuan", week, "zhongyuan-2013"))
    assert (rollup.patrols_recorded, rollup.patrol_days_due, rollup.patrols_missed) == (1, 0, 0)


async def test_deltas_of_one_unit_of_work_add_up_on_their_row_and_keep_the_latest_time(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    day = date(2026, 11, 20)
    later = DEFAULT_NOW + timedelta(minutes=3)

    async def batch(session) -> None:  # type: ignore[no-untyped-def]
        await add_delta(
            session, figure_delta(PROGRAMME, JINSHUI, day, {"registered_projects": 1}), DEFAULT_NOW
        )
        await add_delta(session, figure_delta(PROGRAMME, JINSHUI, day, {"registered_projects": 2}), later)
        await add_delta(session, figure_delta(PROGRAMME, JINSHUI, day, {"accepted_projects": 1}), DEFAULT_NOW)
        for n, at_ in ((1, DEFAULT_NOW), (4, later)):
            add_office_delta(session, PROGRAMME, JINSHUI, WENHUA, day, {"registered_projects": n}, at_)

    await harness.run(batch)
    (row,) = await harness.all(DistrictDay)
    assert (row.registered_projects, row.accepted_projects, row.updated_at) == (3, 1, later)
    (street,) = await harness.all(StreetDay)
    assert (street.registered_projects, street.updated_at) == (5, later)


async def test_a_street_row_refuses_a_figure_it_does_not_carry_naming_it(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)

    async def bad(session) -> None:  # type: ignore[no-untyped-def]
        add_office_delta(
            session, PROGRAMME, JINSHUI, WENHUA, date(2026, 11, 20), {"paid_fen": 5}, DEFAULT_NOW
        )

    with pytest.raises(ValueError, match=r"not street-office figures: \['paid_fen'\]"):
        await harness.run(bad)


async def test_every_project_of_a_batch_is_remembered_with_its_name_cut_to_200(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    first, second = uuid4(), uuid4()

    async def batch(session) -> None:  # type: ignore[no-untyped-def]
        remember_project_office(session, first, PROGRAMME, JINSHUI, WENHUA, "院" * 250, date(2026, 11, 3))
        remember_project_office(session, second, PROGRAMME, JINSHUI, None, "二号院", date(2026, 11, 4))

    await harness.run(batch)
    rows = {r.project_id: r for r in await harness.all(ProjectStreet)}
    assert set(rows) == {first, second}
    assert rows[first].name == "院" * 200 and rows[second].street_office == ""
