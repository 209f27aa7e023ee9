"""Weekly reports on SQLite: filed once, late marked late, overdue flagged once with one event."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.weekly_reports import (
    flag_overdue_reports,
    get_weekly_report,
    submit_weekly_report,
    week_reports,
)
from services.reporting.models.projections import DistrictDay
from services.reporting.models.weekly_reports import OverdueReport, WeeklyReportCreate
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.policy import ProgrammeProfile, UnknownProgrammeError, get_profile
from tests.handlers.reporting.events import (
    ERQI,
    JINSHUI,
    PROGRAMME,
    at,
    department,
    district,
    office,
    registered,
    shanghai,
    street_office,
)


def _no_such_programme(code: str) -> ProgrammeProfile:
    raise UnknownProgrammeError(code)


FRIDAY_MORNING = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 Friday in Shanghai, W47
SATURDAY = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def report(**overrides: object) -> WeeklyReportCreate:
    fields: dict[str, object] = {
        "programme_code": PROGRAMME,
        "week_of": date(2026, 11, 18),
        "projects_started": 2,
        "projects_completed": 1,
        "projects_accepted": 1,
        "investment_completed_fen": 1_200_000_00,
        "narrative": "本周完成文化路1号院管网改造。",
        **overrides,
    }
    return WeeklyReportCreate.model_validate(fields)


async def test_a_district_files_its_weekly_report_on_time_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    filed = await harness.run(lambda s: submit_weekly_report(s, district(JINSHUI), report(), FRIDAY_MORNING))
    assert (filed.week, filed.reporter_code, filed.status, filed.due_on) == (
        "2026-W47",
        JINSHUI,
        "on_time",
        date(2026, 11, 20),
    )
    with pytest.raises(Conflict):
        await harness.run(lambda s: submit_weekly_report(s, district(JINSHUI), report(), FRIDAY_MORNING))
    assert await harness.audit_actions() == ["weekly_report.submitted"]
    again = await harness.run(lambda s: get_weekly_report(s, office(), filed.id))
    assert again.narrative == "本周完成文化路1号院管网改造。"
    with pytest.raises(NotFound):
        await harness.run(lambda s: get_weekly_report(s, district(ERQI), filed.id))


async def test_concurrent_filings_of_one_week_keep_one_report(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    outcomes = await asyncio.gather(
        *(
            harness.run(lambda s: submit_weekly_report(s, district(JINSHUI), report(), FRIDAY_MORNING))
            for _ in range(5)
        ),
        return_exceptions=True,
    )
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert all(isinstance(o, Conflict) for o in outcomes if isinstance(o, Exception))


async def test_a_report_after_the_friday_deadline_is_recorded_as_late(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    filed = await harness.run(lambda s: submit_weekly_report(s, district(JINSHUI), report(), SATURDAY))
    assert filed.status == "late"


async def test_only_reporters_the_plan_names_may_file(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    with pytest.raises(Forbidden):
        await harness.run(lambda s: submit_weekly_report(s, office(), report(), FRIDAY_MORNING))
    with pytest.raises(RuleViolation) as not_named:  # Zhengzhou 2019 七(二): the districts only
        await harness.run(lambda s: submit_weekly_report(s, department(), report(), FRIDAY_MORNING))
    assert [(p.field, p.rule) for p in not_named.value.errors] == [("programme_code", "not_a_reporter")]
    with pytest.raises(ValidationError):  # the schema lists the programmes that ask for weekly reports
        report(programme_code="nowhere")
    with pytest.raises(ValidationError):
        report(programme_code="zhengzhou-2018")  # monthly reports only (五(二))
    with pytest.raises(RuleViolation) as refused:  # a profile lookup that fails is refused by name, too
        await harness.run(
            lambda s: submit_weekly_report(s, district(JINSHUI), report(), FRIDAY_MORNING, _no_such_programme)
        )
    assert [(p.field, p.rule) for p in refused.value.errors] == [("programme_code", "unknown_programme")]
    with pytest.raises(RuleViolation):  # next week has not begun
        await harness.run(
            lambda s: submit_weekly_report(
                s, district(JINSHUI), report(week_of=date(2026, 11, 23)), FRIDAY_MORNING
            )
        )
    assert await harness.audit_actions() == []


async def test_the_week_lists_who_is_on_time_late_and_missing(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.run(lambda s: submit_weekly_report(s, district(JINSHUI), report(), FRIDAY_MORNING))
    before_deadline = await harness.run(
        lambda s: week_reports(s, office(), PROGRAMME, date(2026, 11, 16), FRIDAY_MORNING)
    )
    assert {r.status for r in before_deadline.reporters} == {"on_time", "not_due"}
    await harness.run(lambda s: submit_weekly_report(s, district(ERQI), report(), SATURDAY))
    week = await harness.run(lambda s: week_reports(s, office(), PROGRAMME, date(2026, 11, 16), SATURDAY))
    assert {r.reporter_code: r.status for r in week.reporters} == {
        "zz-erqi": "late",
        "zz-guancheng": "missing",
        "zz-huiji": "missing",
        "zz-jinshui": "on_time",
        "zz-zhongyuan": "missing",
    }
    mine = await harness.run(
        lambda s: week_reports(s, district(ERQI), PROGRAMME, date(2026, 11, 16), SATURDAY)
    )
    assert [r.reporter_code for r in mine.reporters] == [ERQI]


async def test_overdue_reports_are_flagged_once_with_one_event_each(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.redeliver(at(registered(JINSHUI), shanghai(2026, 11, 16)))  # the programme runs here
    await harness.run(lambda s: submit_weekly_report(s, district(JINSHUI), report(), FRIDAY_MORNING))
    profiles = {PROGRAMME: get_profile(PROGRAMME)}

    assert await harness.run(lambda s: flag_overdue_reports(s, FRIDAY_MORNING, profiles)) == []  # not due yet
    flagged = await harness.run(lambda s: flag_overdue_reports(s, SATURDAY, profiles))
    assert sorted(e.reporter_code for e in flagged) == ["zz-erqi", "zz-guancheng", "zz-huiji", "zz-zhongyuan"]
    assert {e.week for e in flagged} == {"2026-W47"}
    assert await harness.run(lambda s: flag_overdue_reports(s, SATURDAY, profiles)) == []  # once
    assert await harness.outbox_types() == ["reporting.weekly_report.overdue.v1"] * 4
    assert len(await harness.all(OverdueReport)) == 4

    # reporting reads its own topic back: each overdue report counts against its district
    for envelope in await harness.outbox():
        await harness.redeliver(envelope)
    rows = await harness.all(DistrictDay)
    overdue = {r.district_code: r.weekly_reports_overdue for r in rows if r.weekly_reports_overdue}
    assert overdue == {"zz-erqi": 1, "zz-guancheng": 1, "zz-huiji": 1, "zz-zhongyuan": 1}
    assert {r.day for r in rows if r.weekly_reports_overdue} == {date(2026, 11, 20)}


async def test_a_programme_with_no_figures_here_is_not_swept(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    assert await harness.run(lambda s: flag_overdue_reports(s, SATURDAY)) == []
    assert await harness.outbox_types() == []


async def test_concurrent_sweeps_flag_each_report_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.redeliver(at(registered(JINSHUI), shanghai(2026, 11, 16)))
    profiles = {PROGRAMME: get_profile(PROGRAMME)}
    results = await asyncio.gather(
        *(harness.run(lambda s: flag_overdue_reports(s, SATURDAY, profiles)) for _ in range(3))
    )
    assert sum(len(r) for r in results) == 5
    assert len(await harness.outbox_types()) == 5


async def test_the_report_day_comes_from_the_profile_not_from_reporting(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
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
    filed = await harness.run(
        lambda s: submit_weekly_report(s, district(JINSHUI), report(), FRIDAY_MORNING, lambda code: tuesday)
    )
    assert (filed.due_on, filed.status) == (date(2026, 11, 17), "late")


async def test_a_week_lists_only_the_reports_filed_under_its_own_programme(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Jinshui's Zhengzhou 2019 report does not appear in Kaifeng 2019's week (七(六) names Kaifeng's own
    counties and departments), and leaves Kaifeng's reporters as they stand."""
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.run(lambda s: submit_weekly_report(s, district(JINSHUI), report(), FRIDAY_MORNING))
    kaifeng = await harness.run(
        lambda s: week_reports(s, office(), "kaifeng-2019", date(2026, 11, 16), SATURDAY)
    )
    codes = [r.reporter_code for r in kaifeng.reporters]
    assert codes and JINSHUI not in codes
    assert {r.status for r in kaifeng.reporters} == {"missing"}
    assert {r.report_id for r in kaifeng.reporters} == {None}


async def test_kaifeng_departments_file_weekly_reports_too_and_are_flagged_when_missing(
    harness_for,  # type: ignore[no-untyped-def]
) -> None:
    """Kaifeng 七(六): 每周五各县（区）、各单位…上报 — the declared departments owe the report as well."""
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    kaifeng = get_profile("kaifeng-2019")
    departments = sorted(d.code for d in kaifeng.departments)
    counties = sorted(d.code for d in kaifeng.jurisdiction.districts if d.participation.value == "mandatory")
    await harness.redeliver(
        at(registered("kf-longting", programme_code="kaifeng-2019"), shanghai(2026, 11, 16))
    )
    filed = await harness.run(
        lambda s: submit_weekly_report(
            s, department("housing"), report(programme_code="kaifeng-2019"), FRIDAY_MORNING
        )
    )
    assert (filed.reporter_code, filed.district_code, filed.status) == ("housing", None, "on_time")

    week = await harness.run(
        lambda s: week_reports(s, office(), "kaifeng-2019", date(2026, 11, 16), SATURDAY)
    )
    standing = {r.reporter_code: (r.district_code, r.status) for r in week.reporters}
    assert set(standing) == {*departments, *counties}
    assert standing["housing"] == (None, "on_time") and standing["finance"] == (None, "missing")
    # a district reads its own line only, never a department's report
    mine = await harness.run(
        lambda s: week_reports(s, district("kf-longting"), "kaifeng-2019", date(2026, 11, 16), SATURDAY)
    )
    assert [r.reporter_code for r in mine.reporters] == ["kf-longting"]
    with pytest.raises(NotFound):
        await harness.run(lambda s: get_weekly_report(s, district("kf-longting"), filed.id))
    assert (await harness.run(lambda s: get_weekly_report(s, department("finance"), filed.id))).id == filed.id

    flagged = await harness.run(lambda s: flag_overdue_reports(s, SATURDAY, {"kaifeng-2019": kaifeng}))
    by_reporter = {e.reporter_code: e.district_code for e in flagged}
    assert set(by_reporter) == (set(departments) - {"housing"}) | set(counties)
    assert by_reporter["finance"] is None and by_reporter["kf-longting"] == "kf-longting"
    # read back: a department's overdue report counts against no district
    for envelope in await harness.outbox():
        await harness.redeliver(envelope)
    overdue = {
        r.district_code: r.weekly_reports_overdue
        for r in await harness.all(DistrictDay)
        if r.weekly_reports_overdue
    }
    assert overdue == dict.fromkeys(counties, 1)


async def test_a_zhongyuan_street_office_that_reported_once_is_listed_missing_when_it_stops(
    harness_for,  # type: ignore[no-untyped-def]
) -> None:
    """Zhongyuan 2013 五(二)7: 各街道办事处每周二上报 — the plan names no office, so one that has filed
    a report is expected every week after; one that never filed is not listed."""
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    zhongyuan = get_profile("zhongyuan-2013")
    linshanzhai = street_office("zy-linshanzhai", "zz-zhongyuan")
    await harness.redeliver(
        at(registered("zz-zhongyuan", programme_code="zhongyuan-2013"), shanghai(2026, 11, 2))
    )
    tuesday_w46 = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
    body = report(programme_code="zhongyuan-2013", week_of=date(2026, 11, 10))
    await harness.run(lambda s: submit_weekly_report(s, linshanzhai, body, tuesday_w46))
    w46 = await harness.run(
        lambda s: week_reports(s, office(), "zhongyuan-2013", date(2026, 11, 10), SATURDAY)
    )
    assert [(r.reporter_code, r.status) for r in w46.reporters] == [("zy-linshanzhai", "on_time")]

    w47 = await harness.run(
        lambda s: week_reports(s, office(), "zhongyuan-2013", date(2026, 11, 17), SATURDAY)
    )
    assert [(r.reporter_code, r.district_code, r.status) for r in w47.reporters] == [
        ("zy-linshanzhai", "zz-zhongyuan", "missing")
    ]
    flagged = await harness.run(lambda s: flag_overdue_reports(s, SATURDAY, {"zhongyuan-2013": zhongyuan}))
    assert [(e.reporter_code, e.week) for e in flagged] == [("zy-linshanzhai", "2026-W47")]
