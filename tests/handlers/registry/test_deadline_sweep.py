"""The sweep announces each step deadline a project missed, once, and reporting counts it."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from services.registry.handlers import SUBSCRIPTIONS, communities, deadline_sweep
from services.registry.handlers.deadline_sweep import flag_missed_deadlines
from services.registry.models.communities import Classification
from services.registry.models.deadlines import MissedDeadline
from services.reporting.domain.periods import Period, period_span
from services.reporting.handlers import SUBSCRIPTIONS as REPORTING
from services.reporting.handlers.rollups import district_rollup
from shared.clock import FixedClock
from shared.errors import NotFound
from shared.policy import get_profile
from tests.handlers.registry.walk import district, office, open_project, walk

MISSED = "registry.project.deadline_missed.v1"


async def test_each_missed_deadline_is_announced_once_with_its_step_and_date(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhongyuan-2013")
    await walk(harness, project.id, "construction-start")  # met late: never announced by a later sweep
    now = harness.clock.now()
    zhongyuan = {"zhongyuan-2013": get_profile("zhongyuan-2013")}
    staged = await harness.run(lambda s: flag_missed_deadlines(s, now, zhongyuan))
    assert sorted((e.deadline_code, e.step, str(e.due_on)) for e in staged) == [
        ("acceptance-window", "acceptance", "2013-11-30"),
        ("construction-complete", "construction", "2013-09-30"),
    ]
    assert {(e.project_id, e.community_id, e.district_code) for e in staged} == {
        (project.id, project.community_id, project.district_code)
    }
    assert await harness.run(lambda s: flag_missed_deadlines(s, now, zhongyuan)) == []  # once
    events = [e for e in await harness.outbox() if e.type == MISSED]
    assert len(events) == 2 and events[0].subject == f"projects/{project.id}"
    assert len(await harness.all(MissedDeadline)) == 2


async def test_nothing_is_announced_before_the_due_date_has_passed(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    harness.clock = FixedClock(datetime(2013, 9, 30, 15, 59, tzinfo=UTC))  # 23:59 on the due date
    await open_project(harness, "zhongyuan-2013")
    zhongyuan = {"zhongyuan-2013": get_profile("zhongyuan-2013")}
    staged = await harness.run(lambda s: flag_missed_deadlines(s, harness.clock.now(), zhongyuan))
    assert [e.deadline_code for e in staged] == ["construction-start"]  # due 2013-07-31 (三(一))
    next_day = datetime(2013, 9, 30, 16, 0, tzinfo=UTC)  # 00:00 on 1 October in Shanghai
    staged = await harness.run(lambda s: flag_missed_deadlines(s, next_day, zhongyuan))
    assert [e.deadline_code for e in staged] == ["construction-complete"]


async def test_a_kaifeng_list_deadline_binds_only_a_listed_community_and_sweeps_race_to_one(
    harness_for,  # type: ignore[no-untyped-def]
) -> None:
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    now = harness.clock.now()
    kaifeng = {"kaifeng-2019": get_profile("kaifeng-2019")}
    body = Classification(tier="implement", centrally_funded=True)
    await harness.run(
        lambda s: communities.classify(s, district("kf-gulou"), project.community_id, body, now)
    )
    results = await asyncio.gather(
        *(harness.run(lambda s: flag_missed_deadlines(s, now, kaifeng)) for _ in range(3))
    )
    codes = sorted(e.deadline_code for found in results for e in found)
    assert codes == ["funded-communities-complete", "funded-communities-ready", "programme-complete"]
    assert {e.applies_to for found in results for e in found} == {"centrally_funded", "every_project"}
    assert [e.type for e in await harness.outbox()].count(MISSED) == 3


async def test_reporting_counts_a_miss_from_the_day_after_its_due_date(harness_for) -> None:  # type: ignore[no-untyped-def]
    registry = await harness_for("registry", SUBSCRIPTIONS)
    reporting = await harness_for("reporting", REPORTING)
    project = await open_project(registry, "zhongyuan-2013")
    now = registry.clock.now()
    await registry.run(
        lambda s: flag_missed_deadlines(s, now, {"zhongyuan-2013": get_profile("zhongyuan-2013")})
    )
    for envelope in await registry.outbox():
        if envelope.type == MISSED:
            assert await reporting.redeliver(envelope) == "handled"
            assert await reporting.redeliver(envelope) == "duplicate"
    code = project.district_code

    async def missed_as_of(day: date) -> int:
        span = period_span(Period.DAY, day)
        rollup = await reporting.run(lambda s: district_rollup(s, office(), code, span, "zhongyuan-2013"))
        return rollup.deadlines_missed

    with pytest.raises(NotFound):  # on the first due date itself nothing is counted yet
        await missed_as_of(date(2013, 7, 31))
    assert await missed_as_of(date(2013, 8, 1)) == 1  # construction-start
    assert await missed_as_of(date(2013, 10, 1)) == 2  # construction-complete
    assert await missed_as_of(date(2013, 12, 1)) == 3


async def test_a_bounded_pass_moves_on_to_the_projects_it_has_not_flagged(harness_for, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each pass flags at most SWEEP_BATCH misses per deadline, skipping those flagged before, so
    the next pass reaches the rest instead of meeting the same projects again."""
    monkeypatch.setattr(deadline_sweep, "SWEEP_BATCH", 1)
    harness = await harness_for("registry", SUBSCRIPTIONS)
    first = await open_project(harness, "zhongyuan-2013")
    second = await open_project(harness, "zhongyuan-2013")
    now = harness.clock.now()
    passes = [await harness.run(lambda s: flag_missed_deadlines(s, now)) for _ in range(3)]
    per_pass = [sorted((e.deadline_code, str(e.project_id)) for e in found) for found in passes]
    deadlines = ["acceptance-window", "construction-complete", "construction-start"]
    assert [len(found) for found in per_pass] == [3, 3, 0]  # one project per deadline per pass
    flagged = {(code, pid) for found in per_pass for code, pid in found}
    assert flagged == {(code, str(p.id)) for code in deadlines for p in (first, second)}
