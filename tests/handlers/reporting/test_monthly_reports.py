"""Monthly progress reports (Zhengzhou 2018 五(二): 各县（市、区）及市政府有关单位…每月按时上报项目进展),
on SQLite.

The plan binds 12 districts and declares 21 departments (its 有关单位): 33 reporters a month. It sets
no day, so May 2018's report is due by the end of 31 May in Asia/Shanghai (the deadline is
2018-06-01T00:00+08:00 = 2018-05-31T16:00Z); a report received after it is late, none is missing.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.evaluations import publish_evaluation
from services.reporting.handlers.monthly_reports import (
    get_monthly_report,
    month_reports,
    submit_monthly_report,
)
from services.reporting.models.evaluations import EvaluationCreate
from services.reporting.models.monthly_reports import MonthlyReportCreate
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.policy import get_profile
from tests.handlers.reporting.events import (
    ERQI,
    JINSHUI,
    at,
    department,
    district,
    office,
    registered,
    shanghai,
    street_office,
)

PROGRAMME = "zhengzhou-2018"
MAY_20 = datetime(2018, 5, 20, 2, 0, tzinfo=UTC)
LAST_MINUTE = datetime(2018, 5, 31, 15, 59, tzinfo=UTC)  # 23:59 on 31 May in Shanghai
JUST_LATE = datetime(2018, 5, 31, 16, 0, tzinfo=UTC)  # 00:00 on 1 June in Shanghai
JUNE_2 = datetime(2018, 6, 2, 2, 0, tzinfo=UTC)


def report(**overrides: object) -> MonthlyReportCreate:
    fields: dict[str, object] = {
        "programme_code": PROGRAMME,
        "month_of": date(2018, 5, 3),
        "projects_started": 3,
        "projects_completed": 1,
        "projects_accepted": 0,
        "investment_completed_fen": 2_500_000_00,
        "narrative": "本月完成示范区内3个小区的开工。",
        **overrides,
    }
    return MonthlyReportCreate.model_validate(fields)


async def test_a_district_files_its_months_report_once_due_at_the_months_end(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    filed = await harness.run(lambda s: submit_monthly_report(s, district(JINSHUI), report(), MAY_20))
    assert (filed.month, filed.month_start, filed.reporter_code, filed.district_code) == (
        "2018-05",
        date(2018, 5, 1),
        JINSHUI,
        JINSHUI,
    )
    assert (filed.due_on, filed.deadline, filed.status) == (
        date(2018, 5, 31),
        datetime(2018, 5, 31, 16, 0, tzinfo=UTC),
        "on_time",
    )
    with pytest.raises(Conflict):
        await harness.run(lambda s: submit_monthly_report(s, district(JINSHUI), report(), MAY_20))
    assert await harness.audit_actions() == ["monthly_report.submitted"]
    again = await harness.run(lambda s: get_monthly_report(s, office(), filed.id))
    assert (again.narrative, again.investment_completed_fen) == (
        "本月完成示范区内3个小区的开工。",
        2_500_000_00,
    )
    with pytest.raises(NotFound):
        await harness.run(lambda s: get_monthly_report(s, district(ERQI), filed.id))


async def test_the_last_minute_of_the_month_is_on_time_and_the_next_is_late(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    on_time = await harness.run(lambda s: submit_monthly_report(s, district(JINSHUI), report(), LAST_MINUTE))
    late = await harness.run(lambda s: submit_monthly_report(s, district(ERQI), report(), JUST_LATE))
    assert (on_time.status, late.status) == ("on_time", "late")


async def test_a_department_reports_too_and_only_the_office_and_departments_read_it(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    filed = await harness.run(lambda s: submit_monthly_report(s, department("housing"), report(), MAY_20))
    assert (filed.reporter_code, filed.district_code) == ("housing", None)
    for reader in (office(), department("finance")):
        assert (await harness.run(lambda s, r=reader: get_monthly_report(s, r, filed.id))).id == filed.id
    with pytest.raises(NotFound):
        await harness.run(lambda s: get_monthly_report(s, district(JINSHUI), filed.id))


async def test_the_month_lists_every_reporter_on_time_late_or_missing(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.run(lambda s: submit_monthly_report(s, district(JINSHUI), report(), MAY_20))
    before = await harness.run(lambda s: month_reports(s, office(), PROGRAMME, date(2018, 5, 9), MAY_20))
    assert {r.status for r in before.reporters} == {"on_time", "not_due"}
    await harness.run(lambda s: submit_monthly_report(s, department("housing"), report(), JUST_LATE))

    month = await harness.run(lambda s: month_reports(s, office(), PROGRAMME, date(2018, 5, 9), JUNE_2))
    profile = get_profile(PROGRAMME)
    districts = {d.code for d in profile.jurisdiction.districts}
    departments = {d.code for d in profile.departments}
    assert len(month.reporters) == len(districts) + len(departments) == 33
    status = {r.reporter_code: r.status for r in month.reporters}
    assert (status[JINSHUI], status["housing"], status[ERQI], status["fire"]) == (
        "on_time",
        "late",
        "missing",
        "missing",
    )
    assert [r.reporter_code for r in month.reporters] == sorted(districts | departments)
    assert (month.month, month.due_on) == ("2018-05", date(2018, 5, 31))

    mine = await harness.run(lambda s: month_reports(s, district(ERQI), PROGRAMME, date(2018, 5, 9), JUNE_2))
    assert [(r.reporter_code, r.status) for r in mine.reporters] == [(ERQI, "missing")]


async def test_only_reporters_the_plan_names_file_for_a_month_that_has_begun(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    with pytest.raises(Forbidden):
        await harness.run(
            lambda s: submit_monthly_report(s, street_office("jinshui-wenhua", JINSHUI), report(), MAY_20)
        )
    with pytest.raises(RuleViolation) as refused:  # a department the plan does not declare
        await harness.run(lambda s: submit_monthly_report(s, department("police"), report(), MAY_20))
    assert [(p.field, p.rule) for p in refused.value.errors] == [("programme_code", "not_a_reporter")]
    with pytest.raises(RuleViolation) as refused:
        await harness.run(
            lambda s: submit_monthly_report(s, district(JINSHUI), report(month_of=date(2018, 6, 1)), MAY_20)
        )
    assert [(p.field, p.rule) for p in refused.value.errors] == [("month_of", "not_in_future")]
    with pytest.raises(ValidationError):  # the schema lists the programmes that ask for monthly reports
        report(programme_code="zhengzhou-2019")
    with pytest.raises(RuleViolation) as refused:
        await harness.run(lambda s: month_reports(s, office(), "zhengzhou-2019", date(2018, 5, 9), JUNE_2))
    assert [(p.field, p.rule) for p in refused.value.errors] == [("programme_code", "no_monthly_report")]
    assert await harness.audit_actions() == []


async def test_concurrent_filings_of_one_month_keep_one_report(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    outcomes = await asyncio.gather(
        *(
            harness.run(lambda s: submit_monthly_report(s, district(JINSHUI), report(), MAY_20))
            for _ in range(5)
        ),
        return_exceptions=True,
    )
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert all(isinstance(o, Conflict) for o in outcomes if isinstance(o, Exception))


async def test_the_due_day_comes_from_the_profile(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    real = get_profile(PROGRAMME)
    monthly = real.supervision.monthly_report
    assert monthly is not None
    tenth = real.model_copy(
        update={
            "supervision": real.supervision.model_copy(
                update={"monthly_report": monthly.model_copy(update={"due_day": 10})}
            )
        }
    )
    filed = await harness.run(
        lambda s: submit_monthly_report(s, district(JINSHUI), report(), MAY_20, lambda code: tenth)
    )
    assert (filed.due_on, filed.status) == (date(2018, 5, 10), "late")


async def test_the_evaluation_counts_each_districts_monthly_report_as_due_and_on_time_or_not(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """Zhengzhou 2018 has no weekly report: its timeliness is the month's own report, one per
    district (departments are not scored). Jinshui files May on time, Erqi late, Huiji not at all."""
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.redeliver(at(registered(JINSHUI, programme_code=PROGRAMME), shanghai(2018, 3, 1)))
    await harness.run(lambda s: submit_monthly_report(s, district(JINSHUI), report(), MAY_20))
    await harness.run(lambda s: submit_monthly_report(s, district(ERQI), report(), JUST_LATE))
    await harness.run(lambda s: submit_monthly_report(s, department("housing"), report(), MAY_20))
    body = EvaluationCreate(programme_code=PROGRAMME, month="2018-05")
    published = await harness.run(lambda s: publish_evaluation(s, office(), body, JUNE_2))
    inputs = {line.district_code: line.inputs for line in published.districts}
    assert "housing" not in inputs
    assert [(inputs[c].reports_due, inputs[c].reports_on_time) for c in (JINSHUI, ERQI, "zz-huiji")] == [
        (1, 1),
        (1, 0),
        (1, 0),
    ]


async def test_a_month_before_the_programme_has_figures_owes_no_report_to_the_evaluation(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.redeliver(at(registered(JINSHUI, programme_code=PROGRAMME), shanghai(2018, 6, 1)))
    body = EvaluationCreate(programme_code=PROGRAMME, month="2018-05")
    published = await harness.run(lambda s: publish_evaluation(s, office(), body, JUNE_2))
    assert {line.inputs.reports_due for line in published.districts} == {0}
