"""Weekly bulletins and report standings, their edges, on SQLite.

Zhengzhou 2019, week 2019-W27 (1–7 July): each district's task is 10, so its year-end target is 5
(一(三): half by the end of 2019); by 7 July ⌊10 × 0.5 × 188/365⌋ = 2 are due. Jinshui has 4 accepted,
Erqi 1: Erqi is behind and needs ⌈4/26⌉ = 1 a week over the 26 weeks left. Jinshui files its
report; Erqi does not. A plan without weekly reports (Zhengzhou 2018) or without targets
(Zhongyuan 2013) leaves those columns empty; Kaifeng runs to its 2021 deadline. A district (or one of its street offices) sees only its
own name in the bulletin's lists; the office alone publishes.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.bulletins import get_bulletin, publish_bulletin
from services.reporting.handlers.targets import district_progress
from services.reporting.handlers.weekly_reports import get_weekly_report, submit_weekly_report, week_reports
from services.reporting.models.bulletins import BulletinCreate
from services.reporting.models.weekly_reports import WeeklyReport, WeeklyReportCreate
from shared.audit import AuditEntry
from shared.errors import Conflict, Forbidden, NotFound
from shared.policy import get_profile
from tests.handlers.harness import ServiceHarness
from tests.handlers.reporting.events import (
    ERQI,
    JINSHUI,
    PROGRAMME,
    accepted,
    at,
    district,
    office,
    registered,
    shanghai,
    street_office,
)

W27 = date(2019, 7, 3)
MONDAY_AFTER = datetime(2019, 7, 8, 2, 0, tzinfo=UTC)
FILED_AT = datetime(2019, 7, 5, 2, tzinfo=UTC)


async def _city(harness: ServiceHarness, programme: str = PROGRAMME, jinshui_reports: bool = True) -> None:
    for code in (JINSHUI, ERQI):
        for _ in range(10):
            await harness.redeliver(at(registered(code, programme_code=programme), shanghai(2019, 3, 1)))
    for code, done in ((JINSHUI, 4), (ERQI, 1)):
        for _ in range(done):
            event = accepted(code, accepted_on=date(2019, 5, 10)).model_copy(
                update={"programme_code": programme}
            )
            await harness.redeliver(at(event, shanghai(2019, 5, 10)))
    if jinshui_reports:
        body = WeeklyReportCreate(
            programme_code=PROGRAMME,
            week_of=W27,
            projects_started=0,
            projects_completed=0,
            projects_accepted=0,
            investment_completed_fen=0,
            narrative="本周无新增验收。",
        )
        await harness.run(lambda s: submit_weekly_report(s, district(JINSHUI), body, FILED_AT))


async def _publish(harness: ServiceHarness, programme: str = PROGRAMME):  # type: ignore[no-untyped-def]
    body = BulletinCreate(programme_code=programme, week_of=W27)
    return await harness.run(lambda s: publish_bulletin(s, office(), body, MONDAY_AFTER))


async def test_each_standing_carries_its_target_pace_and_report_status(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    bulletin = await _publish(harness)
    by = {s.district_code: s for s in bulletin.standings}
    erqi, jinshui = by[ERQI], by[JINSHUI]
    assert (erqi.expected_by_now, erqi.target_by_year_end, erqi.needed_per_week, erqi.lagging) == (
        2,
        5,
        1,
        True,
    )
    assert (jinshui.target_by_year_end, jinshui.needed_per_week, jinshui.report_status) == (5, 1, "on_time")
    assert erqi.report_status == "missing"


async def test_without_weekly_reports_or_targets_those_columns_are_empty(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness, "zhengzhou-2018", jinshui_reports=False)
    no_reports = await _publish(harness, "zhengzhou-2018")
    assert {s.report_status for s in no_reports.standings} == {None}
    zhongyuan = await _publish(harness, "zhongyuan-2013")  # neither yearly shares nor a deadline
    assert zhongyuan.standings
    for s in zhongyuan.standings:
        assert (s.expected_by_now, s.target_by_year_end, s.needed_per_week, s.lagging) == (
            None,
            None,
            None,
            False,
        )


async def test_a_district_and_its_street_office_see_only_their_own_name_in_the_lists(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness, jinshui_reports=False)
    bulletin = await _publish(harness)
    assert ERQI in bulletin.lagging and {ERQI, JINSHUI} <= set(bulletin.late_reports)
    erqi = await harness.run(lambda s: get_bulletin(s, district(ERQI), bulletin.id))
    assert (erqi.lagging, erqi.late_reports) == ([ERQI], [ERQI])
    wenhua = await harness.run(
        lambda s: get_bulletin(s, street_office("jinshui-wenhua", JINSHUI), bulletin.id)
    )
    assert (wenhua.lagging, wenhua.late_reports) == ([], [JINSHUI])


async def test_only_the_office_publishes_a_bulletin_and_is_told_so(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    body = BulletinCreate(programme_code=PROGRAMME, week_of=W27)
    with pytest.raises(Forbidden) as refused:
        await harness.run(lambda s: publish_bulletin(s, district(JINSHUI), body, MONDAY_AFTER))
    assert refused.value.detail == "only the leading-group office publishes the weekly bulletin"


async def test_a_districts_week_shows_its_own_filed_report(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    (filed,) = [
        r
        for r in (
            await harness.run(lambda s: week_reports(s, office(), PROGRAMME, W27, MONDAY_AFTER))
        ).reporters
        if r.reporter_code == JINSHUI
    ]
    assert filed.report_id is not None and filed.submitted_at == FILED_AT
    mine = await harness.run(lambda s: week_reports(s, district(JINSHUI), PROGRAMME, W27, MONDAY_AFTER))
    assert [(r.reporter_code, r.report_id, r.submitted_at) for r in mine.reporters] == [
        (JINSHUI, filed.report_id, FILED_AT)
    ]


async def test_a_week_is_published_once_and_a_district_without_figures_accepted_none_that_week(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    statements: list[str] = []

    def keep(conn, clauseelement, multiparams, params, execution_options):  # type: ignore[no-untyped-def]
        if getattr(clauseelement, "is_insert", False):
            statements.append(str(clauseelement.compile(dialect=conn.dialect)))

    event.listen(harness.engine.sync_engine, "before_execute", keep)
    try:
        bulletin = await _publish(harness)
    finally:
        event.remove(harness.engine.sync_engine, "before_execute", keep)
    (insert,) = [s for s in statements if "INSERT INTO bulletin" in s]
    assert "ON CONFLICT (programme_code, week_start) DO NOTHING" in insert
    huiji = {s.district_code: s for s in bulletin.standings}["zz-huiji"]
    assert (huiji.task, huiji.done, huiji.accepted_this_week) == (0, 0, 0)
    with pytest.raises(Conflict) as again:
        await _publish(harness)
    assert again.value.detail == "the bulletin of 2019-W27 is already published; its figures are frozen"


async def test_a_filed_report_is_audited_and_counts_only_for_its_own_week(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    (entry,) = [e for e in await harness.all(AuditEntry) if e.action == "weekly_report.submitted"]
    assert json.loads(entry.after) == {
        "programme_code": PROGRAMME,
        "week": "2019-W27",
        "reporter": JINSHUI,
        "status": "on_time",
    }
    next_week = await harness.run(
        lambda s: week_reports(s, office(), PROGRAMME, date(2019, 7, 10), MONDAY_AFTER)
    )
    jinshui = {r.reporter_code: r for r in next_week.reporters}[JINSHUI]
    assert (jinshui.report_id, jinshui.submitted_at) == (None, None)


async def test_a_done_share_of_exactly_half_a_ten_thousandth_rounds_up(harness_for) -> None:  # type: ignore[no-untyped-def]
    """1 accepted of 32: 0.03125, shown with 4 places as 0.0313 (half up), not 0.0312."""
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    for _ in range(32):
        await harness.redeliver(at(registered(JINSHUI), shanghai(2019, 3, 1)))
    await harness.redeliver(at(accepted(JINSHUI, accepted_on=date(2019, 5, 10)), shanghai(2019, 5, 10)))
    rows = await harness.run(lambda s: district_progress(s, office(), PROGRAMME, date(2019, 7, 7)))
    assert {r.district_code: r for r in rows}[JINSHUI].done_share == "0.0313"


async def test_a_report_keeps_its_problems_is_audited_against_itself_and_is_filed_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    body = WeeklyReportCreate(
        programme_code=PROGRAMME,
        week_of=W27,
        projects_started=1,
        projects_completed=0,
        projects_accepted=0,
        investment_completed_fen=0,
        narrative="开工一个。",
        problems="雨季影响工期。",
    )
    statements: list[str] = []

    def keep(conn, clauseelement, multiparams, params, execution_options):  # type: ignore[no-untyped-def]
        if getattr(clauseelement, "is_insert", False):
            statements.append(str(clauseelement.compile(dialect=conn.dialect)))

    event.listen(harness.engine.sync_engine, "before_execute", keep)
    try:
        filed = await harness.run(lambda s: submit_weekly_report(s, district(JINSHUI), body, FILED_AT))
    finally:
        event.remove(harness.engine.sync_engine, "before_execute", keep)
    assert filed.problems == "雨季影响工期。"
    (insert,) = [s for s in statements if "INSERT INTO weekly_report " in s]
    assert "ON CONFLICT (programme_code, week_start, reporter_code) DO NOTHING" in insert
    (entry,) = [e for e in await harness.all(AuditEntry) if e.action == "weekly_report.submitted"]
    assert (entry.record_type, entry.record_id) == ("weekly_report", str(filed.id))
    with pytest.raises(Conflict) as again:
        await harness.run(lambda s: submit_weekly_report(s, district(JINSHUI), body, FILED_AT))
    assert again.value.detail == f"{JINSHUI} already filed the report of 2019-W27"


async def _bulletin(harness: ServiceHarness, week_of: date, programme: str = PROGRAMME):  # type: ignore[no-untyped-def]
    body = BulletinCreate(programme_code=programme, week_of=week_of)
    return await harness.run(lambda s: publish_bulletin(s, office(), body, MONDAY_AFTER))


async def test_a_bulletin_is_audited_and_restates_the_same_programmes_latest_earlier_week(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness, jinshui_reports=False)
    await _bulletin(harness, date(2019, 6, 12))  # W24
    await _bulletin(harness, date(2019, 6, 19))  # W25
    await _bulletin(harness, date(2019, 6, 26), "zhengzhou-2018")  # W26, another programme's
    await harness.redeliver(at(accepted(JINSHUI, accepted_on=date(2019, 6, 3)), shanghai(2019, 7, 8)))
    w27 = await _bulletin(harness, W27)
    assert {r.week for r in w27.restatements} == {"2019-W25"}
    (entry,) = [
        e
        for e in await harness.all(AuditEntry)
        if e.action == "bulletin.published" and e.record_id == str(w27.id)
    ]
    assert (entry.record_type, json.loads(entry.after)) == ("bulletin", {"week": "2019-W27"})
    # a week published after a later one is restated against its own predecessor only
    await harness.redeliver(at(accepted(JINSHUI, accepted_on=date(2019, 7, 4)), shanghai(2019, 7, 9)))
    w23 = await _bulletin(harness, date(2019, 6, 5))
    assert w23.restatements == []


async def test_a_district_reads_its_own_report_and_another_is_told_it_does_not_exist(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    (row,) = await harness.all(WeeklyReport)
    mine = await harness.run(lambda s: get_weekly_report(s, district(JINSHUI), row.id))
    assert mine.reporter_code == JINSHUI
    with pytest.raises(NotFound) as hidden:
        await harness.run(lambda s: get_weekly_report(s, district(ERQI), row.id))
    assert hidden.value.detail == f"no weekly report {row.id}"


async def test_the_bulletins_report_statuses_come_from_the_profile_it_was_given(harness_for) -> None:  # type: ignore[no-untyped-def]
    """A plan whose report day is Tuesday makes Jinshui's Friday filing late in the bulletin too."""
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    real = get_profile(PROGRAMME)
    weekly = real.supervision.weekly_report
    assert weekly is not None
    tuesday = real.model_copy(
        update={
            "supervision": real.supervision.model_copy(
                update={"weekly_report": weekly.model_copy(update={"weekday": 2})}
            )
        }
    )
    body = BulletinCreate(programme_code=PROGRAMME, week_of=W27)
    bulletin = await harness.run(
        lambda s: publish_bulletin(s, office(), body, MONDAY_AFTER, lambda code: tuesday)
    )
    by = {s.district_code: s.report_status for s in bulletin.standings}
    assert (by[JINSHUI], by[ERQI]) == ("late", "missing")
    assert JINSHUI in bulletin.late_reports  # every missing one is listed too


async def test_kaifeng_is_measured_against_its_2021_deadline(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Kaifeng 三: 2021年6月底前基本完成. From the plan's issue (2019-12-29) to 2021-06-30 is 550 days;
    by the end of 2020-W27 (5 July 2020) 190 of them have passed: 10 × 190/550 = 3.45, so 3 of
    Gulou's 10 are due and none is accepted: lagging. By the end of 2020, 369/550: ⌈6.71⌉ = 7, over
    the 26 weeks left (179 days), 1 a week."""
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    for _ in range(10):
        await harness.redeliver(
            at(registered("kf-gulou", programme_code="kaifeng-2019"), shanghai(2020, 1, 10))
        )
    body = BulletinCreate(programme_code="kaifeng-2019", week_of=date(2020, 7, 1))
    bulletin = await harness.run(
        lambda s: publish_bulletin(s, office(), body, datetime(2020, 7, 6, 2, tzinfo=UTC))
    )
    (gulou,) = [s for s in bulletin.standings if s.district_code == "kf-gulou"]
    assert (gulou.expected_by_now, gulou.target_by_year_end, gulou.needed_per_week, gulou.lagging) == (
        3,
        7,
        1,
        True,
    )
    assert "kf-gulou" in bulletin.lagging
