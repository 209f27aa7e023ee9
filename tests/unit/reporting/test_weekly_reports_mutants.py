"""Weekly reports: due on the plan's weekday by that day's end in Shanghai, from the plan's reporters.

Zhengzhou 2019 七(二) 每周五 (districts); Zhongyuan 2013 五(二)7 每周二 (street offices); Zhengzhou
2018 asks for monthly reports only (五(二)).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.reporting.domain.weekly_reports import (
    ReportDue,
    Reporter,
    ReportStatus,
    check_week,
    expected_reporters,
    last_due_week,
    report_due,
    report_status,
    reporter_for,
)
from shared.access import OrganisationKind, Principal
from shared.errors import Forbidden, RuleViolation
from shared.policy import Party, ProgrammeProfile, StreetOffice, get_profile

ZZ2018 = get_profile("zhengzhou-2018")
ZZ2019 = get_profile("zhengzhou-2019")
ZY2013 = get_profile("zhongyuan-2013")


def _with_street_offices(profile: ProgrammeProfile, reporters: tuple[Party, ...]) -> ProgrammeProfile:
    """`profile` whose plan names street offices in a bound district (jinshui) and in one following by
    reference (gongyi), with `reporters` owing the report."""
    offices = {
        "zz-jinshui": (
            StreetOffice(code="zz-jinshui-wenhualu", name_zh="文化路街道", name_en="Wenhualu"),
            StreetOffice(code="zz-jinshui-dashiqiao", name_zh="大石桥街道", name_en="Dashiqiao"),
        ),
        "zz-gongyi": (StreetOffice(code="zz-gongyi-xiaoyi", name_zh="孝义街道", name_en="Xiaoyi"),),
    }
    districts = tuple(
        d.model_copy(update={"street_offices": offices.get(d.code, ())})
        for d in profile.jurisdiction.districts
    )
    report = profile.supervision.weekly_report
    assert report is not None
    supervision = profile.supervision.model_copy(
        update={"weekly_report": report.model_copy(update={"reporters": reporters})}
    )
    jurisdiction = profile.jurisdiction.model_copy(update={"districts": districts})
    return profile.model_copy(update={"jurisdiction": jurisdiction, "supervision": supervision})


def _actor(kind: OrganisationKind, org: str, district: str | None) -> Principal:
    return Principal(org, org, kind, frozenset(), district_code=district)


# --- the week and its deadline -----------------------------------------------------------------


def test_the_deadline_is_midnight_after_the_report_day_in_shanghai() -> None:
    due = ReportDue(report_due(ZZ2019, date(2026, 11, 16)).week, date(2026, 11, 20))
    assert due.deadline == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    assert due.deadline.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("day", [date(2026, 11, 16), date(2026, 11, 20), date(2026, 11, 22)])
def test_every_day_of_an_iso_week_has_the_same_report_due(day: date) -> None:
    friday = report_due(ZZ2019, day)
    assert (friday.week.start, friday.week.end, friday.due_on) == (
        date(2026, 11, 16),
        date(2026, 11, 22),
        date(2026, 11, 20),
    )
    assert report_due(ZY2013, day).due_on == date(2026, 11, 17)  # 每周二


def test_a_plan_without_a_weekly_report_is_refused_naming_the_programme() -> None:
    with pytest.raises(RuleViolation) as refused:
        report_due(ZZ2018, date(2026, 11, 18))
    assert [(p.field, p.rule, p.message) for p in refused.value.errors] == [
        ("programme_code", "no_weekly_report", "the programme's plan sets no weekly report")
    ]
    assert refused.value.detail == "zhengzhou-2018 asks for no weekly report"


def test_the_last_due_week_is_this_week_from_its_deadline_and_last_week_before_it() -> None:
    deadline = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # Friday 2026-11-20 24:00 in Shanghai
    assert last_due_week(ZZ2019, deadline).due_on == date(2026, 11, 20)
    assert last_due_week(ZZ2019, deadline - timedelta(microseconds=1)).due_on == date(2026, 11, 13)
    # Monday 00:30 in Shanghai (still Sunday in UTC): the week just ended was due last Friday
    monday = last_due_week(ZZ2019, datetime(2026, 11, 22, 16, 30, tzinfo=UTC))
    assert (monday.week.label, monday.due_on) == ("2026-W47", date(2026, 11, 20))
    # Zhongyuan's Tuesday: on Wednesday this week's report is the last due
    assert last_due_week(ZY2013, datetime(2026, 11, 18, 2, tzinfo=UTC)).due_on == date(2026, 11, 17)
    assert last_due_week(ZY2013, datetime(2026, 11, 17, 2, tzinfo=UTC)).due_on == date(2026, 11, 10)


# --- who owes it -------------------------------------------------------------------------------


def test_a_plan_without_a_weekly_report_expects_nobody() -> None:
    assert expected_reporters(ZZ2018) == ()


def test_zhongyuan_names_no_street_offices_so_nobody_can_be_listed_missing() -> None:
    assert expected_reporters(ZY2013) == ()


def test_only_the_bound_districts_own_street_offices_report_when_the_plan_says_so() -> None:
    offices = _with_street_offices(ZZ2019, (Party.STREET_OFFICE,))
    assert expected_reporters(offices) == (
        Reporter("zz-jinshui-dashiqiao", "zz-jinshui"),
        Reporter("zz-jinshui-wenhualu", "zz-jinshui"),
    )


def test_districts_and_street_offices_together_sorted_by_code() -> None:
    both = _with_street_offices(ZZ2019, (Party.DISTRICT, Party.STREET_OFFICE))
    assert [r.code for r in expected_reporters(both)] == [
        "zz-erqi",
        "zz-guancheng",
        "zz-huiji",
        "zz-jinshui",
        "zz-jinshui-dashiqiao",
        "zz-jinshui-wenhualu",
        "zz-zhongyuan",
    ]
    assert all(r.code == r.district_code for r in expected_reporters(ZZ2019))


def test_a_listed_street_office_reports_for_its_own_district_only() -> None:
    offices = _with_street_offices(ZZ2019, (Party.STREET_OFFICE,))
    mine = reporter_for(offices, _actor(OrganisationKind.STREET_OFFICE, "zz-jinshui-wenhualu", "zz-jinshui"))
    assert mine == Reporter("zz-jinshui-wenhualu", "zz-jinshui")
    # the district itself is not asked when the plan names its street offices
    with pytest.raises(RuleViolation) as refused:
        reporter_for(offices, _actor(OrganisationKind.DISTRICT, "zz-jinshui", "zz-jinshui"))
    assert [(p.field, p.rule, p.message) for p in refused.value.errors] == [
        ("programme_code", "not_a_reporter", "the programme's plan names other reporters (e.g. 各区)")
    ]
    assert refused.value.detail == "zhengzhou-2019 asks zz-jinshui for no weekly report"


def test_a_street_office_of_a_district_following_by_reference_owes_nothing() -> None:
    offices = _with_street_offices(ZZ2019, (Party.STREET_OFFICE,))
    with pytest.raises(RuleViolation) as refused:
        reporter_for(offices, _actor(OrganisationKind.STREET_OFFICE, "zz-gongyi-xiaoyi", "zz-gongyi"))
    assert [p.rule for p in refused.value.errors] == ["not_a_reporter"]


def test_any_street_office_of_a_bound_district_reports_when_the_plan_names_none() -> None:
    office = reporter_for(ZY2013, _actor(OrganisationKind.STREET_OFFICE, "zy-anywhere", "zz-zhongyuan"))
    assert office == Reporter("zy-anywhere", "zz-zhongyuan")


@pytest.mark.parametrize(
    ("kind", "org", "district"),
    [
        (OrganisationKind.STREET_OFFICE, "zy-lost", None),  # no district on the token
        (OrganisationKind.STREET_OFFICE, "zy-lost", "zz-jinshui"),  # outside Zhongyuan's plan
        (OrganisationKind.DISTRICT, "zz-zhongyuan", "zz-zhongyuan"),  # the plan asks street offices
    ],
)
def test_zhongyuan_refuses_who_it_does_not_ask(
    kind: OrganisationKind, org: str, district: str | None
) -> None:
    with pytest.raises(RuleViolation) as refused:
        reporter_for(ZY2013, _actor(kind, org, district))
    assert [(p.field, p.rule) for p in refused.value.errors] == [("programme_code", "not_a_reporter")]


def test_a_street_office_is_not_asked_where_the_plan_asks_districts() -> None:
    with pytest.raises(RuleViolation):
        reporter_for(ZZ2019, _actor(OrganisationKind.STREET_OFFICE, "zz-jinshui-wenhualu", "zz-jinshui"))


def test_a_district_speaks_only_for_itself() -> None:
    with pytest.raises(RuleViolation):
        reporter_for(ZZ2019, _actor(OrganisationKind.DISTRICT, "zz-jinshui", "zz-erqi"))


def test_who_is_not_a_district_street_office_or_department_is_forbidden_before_the_plan_is_read() -> None:
    for kind in (OrganisationKind.UTILITY, OrganisationKind.OFFICE):
        with pytest.raises(Forbidden) as refused:
            reporter_for(ZZ2018, _actor(kind, "housing", None))  # ZZ2018 has no weekly report at all
        assert refused.value.detail == (
            "weekly reports are submitted by the districts, street offices or departments that owe them"
        )
    with pytest.raises(RuleViolation) as refused_plan:
        reporter_for(ZZ2018, _actor(OrganisationKind.DISTRICT, "zz-jinshui", "zz-jinshui"))
    assert [p.rule for p in refused_plan.value.errors] == ["no_weekly_report"]


# --- filing and judging ------------------------------------------------------------------------


def test_the_current_week_may_be_reported_from_its_first_minute_in_shanghai() -> None:
    monday_0030 = datetime(2026, 11, 22, 16, 30, tzinfo=UTC)  # Monday 2026-11-23 00:30 in Shanghai
    check_week(report_due(ZZ2019, date(2026, 11, 23)), monday_0030)
    with pytest.raises(RuleViolation) as refused:
        check_week(report_due(ZZ2019, date(2026, 11, 30)), monday_0030)
    assert [(p.field, p.rule, p.message) for p in refused.value.errors] == [
        ("week_of", "not_in_future", "report on the current or a past week")
    ]
    assert refused.value.detail == "week 2026-W49 has not begun"


def test_a_report_received_at_the_deadline_is_late_and_one_missing_then_is_missing() -> None:
    due = report_due(ZZ2019, date(2026, 11, 18))
    just_before = due.deadline - timedelta(microseconds=1)
    assert report_status(due, just_before, due.deadline) is ReportStatus.ON_TIME
    assert report_status(due, due.deadline, due.deadline) is ReportStatus.LATE
    assert report_status(due, None, due.deadline) is ReportStatus.MISSING
    assert report_status(due, None, just_before) is ReportStatus.NOT_DUE


def test_unnamed_street_offices_report_only_in_the_bound_districts() -> None:
    unnamed = _with_street_offices(ZZ2019, (Party.STREET_OFFICE,)).model_copy(
        update={"jurisdiction": ZZ2019.jurisdiction}  # the plan names no street office anywhere
    )
    office = reporter_for(unnamed, _actor(OrganisationKind.STREET_OFFICE, "zz-erqi-any", "zz-erqi"))
    assert office == Reporter("zz-erqi-any", "zz-erqi")
    with pytest.raises(RuleViolation):  # 巩义 follows the plan by reference (二): it owes no report
        reporter_for(unnamed, _actor(OrganisationKind.STREET_OFFICE, "zz-gongyi-any", "zz-gongyi"))
