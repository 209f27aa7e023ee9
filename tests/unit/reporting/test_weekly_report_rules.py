"""Weekly report day and reporters come from the profile: Friday in Zhengzhou, Tuesday in Zhongyuan."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.reporting.domain.bulletins import Line, check_publishable, rank, restatements
from services.reporting.domain.periods import Period, period_span
from services.reporting.domain.weekly_reports import (
    ReportStatus,
    check_week,
    expected_reporters,
    last_due_week,
    report_due,
    report_status,
    reporter_for,
)
from shared.access import OrganisationKind, Principal
from shared.errors import Forbidden, InvalidState, RuleViolation
from shared.policy import get_profile

ZZ2019 = get_profile("zhengzhou-2019")  # 七(二) 每周五
ZY2013 = get_profile("zhongyuan-2013")  # 五(二)7 每周二, street offices report
KF2019 = get_profile("kaifeng-2019")  # 七(六) 每周五, 各县（区）、各单位


def test_zhengzhou_2019_reports_are_due_friday_by_midnight_in_shanghai() -> None:
    due = report_due(ZZ2019, date(2026, 11, 18))
    assert (due.week.label, due.due_on) == ("2026-W47", date(2026, 11, 20))
    assert due.deadline == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


def test_zhongyuan_2013_reports_are_due_tuesday() -> None:
    assert report_due(ZY2013, date(2026, 11, 22)).due_on == date(2026, 11, 17)


def test_a_report_day_on_new_years_eve_keeps_its_iso_week() -> None:
    due = report_due(ZZ2019, date(2021, 1, 3))
    assert (due.week.label, due.due_on) == ("2020-W53", date(2021, 1, 1))


def test_the_last_due_week_turns_over_at_the_deadline() -> None:
    before = last_due_week(ZZ2019, datetime(2026, 11, 20, 15, 59, tzinfo=UTC))
    after = last_due_week(ZZ2019, datetime(2026, 11, 20, 16, 0, tzinfo=UTC))
    assert (before.week.label, after.week.label) == ("2026-W46", "2026-W47")


def test_on_time_late_missing_and_not_yet_due() -> None:
    due = report_due(ZZ2019, date(2026, 11, 18))
    friday_evening = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    saturday = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
    assert report_status(due, friday_evening, saturday) is ReportStatus.ON_TIME
    assert report_status(due, saturday, saturday) is ReportStatus.LATE
    assert report_status(due, None, saturday) is ReportStatus.MISSING
    assert report_status(due, None, friday_evening) is ReportStatus.NOT_DUE


def test_the_bound_districts_owe_the_report_not_those_following_by_reference() -> None:
    codes = [r.code for r in expected_reporters(ZZ2019)]
    assert codes == ["zz-erqi", "zz-guancheng", "zz-huiji", "zz-jinshui", "zz-zhongyuan"]


def _actor(kind: OrganisationKind, org: str, district: str | None) -> Principal:
    return Principal(org, org, kind, frozenset(), district_code=district)


def test_a_district_reports_for_itself_and_a_department_only_where_the_plan_names_departments() -> None:
    assert (
        reporter_for(ZZ2019, _actor(OrganisationKind.DISTRICT, "zz-jinshui", "zz-jinshui")).code
        == "zz-jinshui"
    )
    with pytest.raises(RuleViolation) as not_named:  # 七(二): 各区 only
        reporter_for(ZZ2019, _actor(OrganisationKind.DEPARTMENT, "housing", None))
    assert [p.rule for p in not_named.value.errors] == ["not_a_reporter"]
    housing = reporter_for(KF2019, _actor(OrganisationKind.DEPARTMENT, "housing", None))  # 七(六) 各单位
    assert (housing.code, housing.district_code) == ("housing", None)
    with pytest.raises(RuleViolation):  # a department the plan does not declare
        reporter_for(KF2019, _actor(OrganisationKind.DEPARTMENT, "tourism", None))
    with pytest.raises(Forbidden):
        reporter_for(KF2019, _actor(OrganisationKind.UTILITY, "water", None))
    with pytest.raises(RuleViolation) as refused:
        reporter_for(ZZ2019, _actor(OrganisationKind.DISTRICT, "zz-gongyi", "zz-gongyi"))  # by reference only
    assert [p.rule for p in refused.value.errors] == ["not_a_reporter"]


def test_zhongyuan_street_offices_report_and_its_district_does_not() -> None:
    office = reporter_for(ZY2013, _actor(OrganisationKind.STREET_OFFICE, "zy-linshanzhai", "zz-zhongyuan"))
    assert (office.code, office.district_code) == ("zy-linshanzhai", "zz-zhongyuan")
    with pytest.raises(RuleViolation):
        reporter_for(ZY2013, _actor(OrganisationKind.DISTRICT, "zz-zhongyuan", "zz-zhongyuan"))


def test_no_report_for_a_week_that_has_not_begun() -> None:
    now = datetime(2026, 11, 20, 2, tzinfo=UTC)
    check_week(report_due(ZZ2019, date(2026, 11, 22)), now)
    with pytest.raises(RuleViolation):
        check_week(report_due(ZZ2019, date(2026, 11, 23)), now)


def test_a_programme_without_weekly_reports_refuses_them() -> None:
    with pytest.raises(RuleViolation) as refused:
        report_due(get_profile("zhengzhou-2018"), date(2026, 11, 18))  # monthly reports only (五(二))
    assert [p.rule for p in refused.value.errors] == ["no_weekly_report"]


def test_districts_rank_by_share_done_then_by_number_done() -> None:
    lines = [
        Line("b", 10, 5, 0, None),
        Line("a", 4, 2, 0, None),
        Line("c", 10, 8, 0, None),
        Line("d", 0, 0, 0, None),
    ]
    assert [line.district_code for line in rank(lines)] == ["c", "b", "a", "d"]


def test_a_bulletin_waits_for_the_end_of_its_week() -> None:
    week = period_span(Period.WEEK, date(2026, 11, 18))
    with pytest.raises(InvalidState):
        check_publishable(week, datetime(2026, 11, 22, 15, 59, tzinfo=UTC))
    check_publishable(week, datetime(2026, 11, 22, 16, 0, tzinfo=UTC))


def test_restatements_list_each_changed_figure() -> None:
    published = {"a": {"task": 3, "done": 1}, "b": {"task": 2, "done": 2}}
    now = {"a": {"task": 3, "done": 2}, "b": {"task": 2, "done": 2}, "c": {"task": 1, "done": 0}}
    assert restatements(published, now) == [("a", "done", 1, 2), ("c", "task", 0, 1)]
