"""Step deadlines on the handler tier: a project's deadlines with their standing, and the overdue
list across projects (filtered, paged, district-bound callers see their own district only)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.registry.handlers import SUBSCRIPTIONS, communities, deadlines
from services.registry.models.communities import Classification
from shared.clock import FixedClock
from shared.errors import NotFoundError
from tests.handlers.registry.walk import district, office, open_project, walk


async def _deadlines(harness, project_id, actor=None):  # type: ignore[no-untyped-def]
    now = harness.clock.now()
    rows = await harness.run(lambda s: deadlines.project_deadlines(s, actor or office(), project_id, now))
    return {r.code: r for r in rows}


async def _overdue(harness, actor=None, **filters):  # type: ignore[no-untyped-def]
    now = harness.clock.now()
    args = {"programme_code": None, "district_code": None, "limit": 100, "offset": 0, **filters}
    return await harness.run(lambda s: deadlines.overdue_steps(s, actor or office(), now, **args))


async def test_a_zhongyuan_project_of_today_is_overdue_on_each_dated_step_except_one_past_at_issue(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhongyuan-2013")
    rows = await _deadlines(harness, project.id)
    assert {code: r.status for code, r in rows.items()} == {
        "budget-and-tender": "past_at_issue",
        "construction-start": "overdue",
        "construction-complete": "overdue",
        "acceptance-window": "overdue",
    }
    assert rows["construction-start"].clause == "中原政办〔2013〕12号 三(一)"
    assert rows["construction-start"].met_when == "started"
    await walk(harness, project.id, "construction-start")
    rows = await _deadlines(harness, project.id)
    assert (rows["construction-start"].status, str(rows["construction-start"].met_on)) == (
        "met_late",
        "2026-04-01",
    )
    assert rows["construction-complete"].status == "overdue"


async def test_within_the_plans_own_year_a_deadline_not_yet_reached_is_due(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    harness.clock = FixedClock(datetime(2013, 7, 20, 2, 0, tzinfo=UTC))
    project = await open_project(harness, "zhongyuan-2013")
    rows = await _deadlines(harness, project.id)
    assert rows["construction-start"].status == "due" and rows["acceptance-window"].status == "upcoming"
    assert await _overdue(harness) == ([], 0)


async def test_the_overdue_list_names_each_step_past_its_date_and_drops_it_once_done(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhongyuan-2013")
    page, total = await _overdue(harness)
    assert total == 3
    assert [(r.deadline_code, r.project_id) for r in page] == [
        ("construction-start", project.id),
        ("construction-complete", project.id),
        ("acceptance-window", project.id),
    ]
    assert page[0].days_overdue == (datetime(2026, 11, 20).date() - page[0].due_on).days
    await walk(harness, project.id, "construction-start")
    page, total = await _overdue(harness)
    assert [r.deadline_code for r in page] == ["construction-complete", "acceptance-window"]
    page, total = await _overdue(harness, limit=1, offset=1)
    assert ([r.deadline_code for r in page], total) == (["acceptance-window"], 2)


async def test_the_overdue_list_filters_by_programme_and_a_district_sees_only_its_own(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    zy = await open_project(harness, "zhongyuan-2013")
    zz = await open_project(harness, "zhengzhou-2019")
    page, _ = await _overdue(harness, programme_code="zhengzhou-2019")
    assert [(r.project_id, r.deadline_code) for r in page] == [(zz.id, "plans-and-ledgers-due")]
    page, _ = await _overdue(harness, actor=district("zz-zhongyuan"))
    assert {r.project_id for r in page} == {zy.id}
    assert await _overdue(harness, district_code="kf-gulou") == ([], 0)


async def test_kaifeng_list_deadlines_appear_once_the_community_is_on_the_central_fund_list(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    assert set(await _deadlines(harness, project.id)) == {"programme-complete"}
    now = harness.clock.now()
    actor = district("kf-gulou")
    body = Classification(tier="implement", centrally_funded=True)
    await harness.run(lambda s: communities.classify(s, actor, project.community_id, body, now))
    rows = await _deadlines(harness, project.id)
    assert set(rows) == {"funded-communities-ready", "funded-communities-complete", "programme-complete"}
    page, total = await _overdue(harness, programme_code="kaifeng-2019")
    assert [r.deadline_code for r in page] == [
        "funded-communities-ready",
        "funded-communities-complete",
        "programme-complete",
    ]


async def test_another_districts_project_has_no_deadlines_for_the_caller(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhongyuan-2013")
    with pytest.raises(NotFoundError):
        await _deadlines(harness, project.id, actor=district("zz-jinshui"))
