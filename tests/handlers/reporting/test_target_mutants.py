"""Progress against yearly targets, its edges, on SQLite: a district sees its own row wherever it
sorts; the pace due so far; a bound district with no figures has no task; a plan (as the caller's
profiles give it) that sets no yearly targets shows none.

Zhengzhou 2019 一(三): half of each district's task by the end of 2019. Jinshui's task is 10, so
its year-end target is 5; on 7 July 188 of 365 days are over, so ⌊10 × 0.5 × 188/365⌋ = 2 are due.
"""

from __future__ import annotations

from datetime import date

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.targets import district_progress
from shared.policy import ProgrammeProfile, get_profile
from tests.handlers.harness import ServiceHarness
from tests.handlers.reporting.events import (
    JINSHUI,
    PROGRAMME,
    accepted,
    at,
    district,
    office,
    registered,
    shanghai,
)

JULY_7 = date(2019, 7, 7)


async def _jinshui(harness: ServiceHarness) -> None:
    for _ in range(10):
        await harness.redeliver(at(registered(JINSHUI), shanghai(2019, 3, 1)))
    await harness.redeliver(at(accepted(JINSHUI, accepted_on=date(2019, 5, 10)), shanghai(2019, 5, 10)))


async def test_a_district_sees_its_own_progress_and_the_pace_due_so_far(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _jinshui(harness)
    (mine,) = await harness.run(lambda s: district_progress(s, district(JINSHUI), PROGRAMME, JULY_7))
    assert (mine.district_code, mine.task, mine.done, mine.done_share) == (JINSHUI, 10, 1, "0.1000")
    assert (mine.target_by_year_end, mine.expected_by_now, mine.on_track, mine.behind_by) == (5, 2, False, 1)


async def test_a_bound_district_with_no_figures_has_no_task_and_no_target(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _jinshui(harness)
    rows = {
        r.district_code: r
        for r in await harness.run(lambda s: district_progress(s, office(), PROGRAMME, JULY_7))
    }
    huiji = rows["zz-huiji"]
    assert (huiji.task, huiji.done, huiji.done_share, huiji.target_by_year_end, huiji.expected_by_now) == (
        0,
        0,
        "0.0000",
        0,
        0,
    )


async def test_a_plan_without_yearly_targets_as_the_caller_gives_it_shows_no_target(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _jinshui(harness)
    real = get_profile(PROGRAMME)
    untargeted = real.model_copy(
        update={"supervision": real.supervision.model_copy(update={"yearly_targets": None})}
    )

    def profiles(code: str) -> ProgrammeProfile:
        return untargeted if code == PROGRAMME else get_profile(code)

    rows = await harness.run(lambda s: district_progress(s, office(), PROGRAMME, JULY_7, profiles))
    jinshui = {r.district_code: r for r in rows}[JINSHUI]
    assert (jinshui.task, jinshui.done, jinshui.done_share) == (10, 1, "0.1000")
    assert (jinshui.target_by_year_end, jinshui.expected_by_now, jinshui.on_track, jinshui.weeks_left) == (
        None,
        None,
        None,
        None,
    )
