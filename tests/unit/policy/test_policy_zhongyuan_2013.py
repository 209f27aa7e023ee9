"""中原政办〔2013〕12号 (Zhongyuan District 2013): each test names the clause it checks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shared.policy import (
    MeetingCadence,
    Party,
    RuleAbsentError,
    StageCode,
    award_fen,
    closes_out_in_ledger,
    deadlines,
    first_step,
    get_profile,
    is_signed_off,
    ledger_rules,
    past_at_issue,
    property_subsidy_fen,
    responsible_departments,
    sign_offs_due,
    stage_codes,
    step_modes,
    weekly_report_weekday,
)

ZY = get_profile("zhongyuan-2013")


def test_zy2013_weekly_report_on_tuesday() -> None:
    """五(二)7: 统计报表和信息简报每周二上报指挥部办公室."""
    assert weekly_report_weekday(ZY) == 2
    assert ZY.supervision.weekly_report is not None
    assert ZY.supervision.weekly_report.clause == "五(二)7"
    assert ZY.supervision.weekly_report.reporters == (Party.STREET_OFFICE,)


def test_zy2013_daily_safety_patrol_record() -> None:
    """五(二)5: 每天到施工小区进行巡查…每天巡查记录以书面形式上报指挥部."""
    patrol = ZY.supervision.daily_patrol
    assert patrol is not None
    assert patrol.actor is Party.STREET_OFFICE
    assert patrol.written_record
    assert patrol.clause == "五(二)5"


def test_zy2013_eight_haves() -> None:
    """三(二): 有物管用房、有公共保洁、有秩序维护、有停车管理、
    有设施维保、有绿化养护、有道路保养、有房屋维修."""
    eight = next(s for s in ZY.service_levels if s.code == "eight-haves")
    assert eight.clause == "三(二)"
    assert [i.name_zh for i in eight.items] == [
        "有物管用房",
        "有公共保洁",
        "有秩序维护",
        "有停车管理",
        "有设施维保",
        "有绿化养护",
        "有道路保养",
        "有房屋维修",
    ]


def test_zy2013_four_haves() -> None:
    """三(二): 有清扫保洁、有垃圾清运、有秩序维护、有日常维修 for communities far behind."""
    four = next(s for s in ZY.service_levels if s.code == "four-haves")
    assert [i.name_zh for i in four.items] == [
        "有清扫保洁",
        "有垃圾清运",
        "有秩序维护",
        "有日常维修",
    ]
    assert four.applies_to_zh == "基础设施差距较大的小区"


def test_zy2013_twelve_items_done_by_street_offices() -> None:
    """四(一)–(十二), 各街道办事处因地制宜进行整治改造; no department named."""
    assert len(ZY.catalogue.items) == 12
    assert ZY.catalogue.items[-1].clause == "四(十二)"
    assert ZY.catalogue.lead.party is Party.STREET_OFFICE
    assert all(responsible_departments(ZY, i) == () for i in ZY.catalogue.items)
    assert ZY.departments == ()


def test_zy2013_timetable() -> None:
    """三(一): 上半年预算及招投标，7月底前开始施工，9月底前全部施工完毕，10—11月份验收."""
    by_code = {d.code: d for d in deadlines(ZY)}
    assert by_code["budget-and-tender"].due_on == date(2013, 6, 30)
    assert by_code["construction-start"].due_on == date(2013, 7, 31)
    assert by_code["construction-complete"].due_on == date(2013, 9, 30)
    window = by_code["acceptance-window"]
    assert (window.starts_on, window.due_on) == (date(2013, 10, 1), date(2013, 11, 30))


def test_zy2013_signed_acceptance_form_then_headquarters_inspection() -> None:
    """五(二)8: 填写工程竣工验收单，街道办事处、社区负责人签字，报送区指挥部检查验收."""
    stage = ZY.lifecycle.stage("acceptance")
    assert stage is not None and stage.organiser == "street-office"
    assert [r.code for r in stage.requirements] == ["signed-acceptance-form"]
    first_round = {role for s in sign_offs_due(ZY, "acceptance", set()) for role in s.any_of}
    assert first_round == {"street-office", "community"}
    (hq,) = sign_offs_due(ZY, "acceptance", first_round)
    assert hq.round == 2 and hq.any_of == ("district-headquarters",)
    assert not is_signed_off(ZY, "acceptance", first_round)
    assert is_signed_off(ZY, "acceptance", first_round | set(hq.any_of))


def test_zy2013_steps_start_at_tender_without_survey() -> None:
    """三(一): 预算及招投标 → 施工 → 验收; 三(三) 物业管理覆盖. No survey step: 六's 台账 is a ledger rule."""
    assert stage_codes(ZY) == (
        StageCode.TENDER,
        StageCode.CONSTRUCTION,
        StageCode.ACCEPTANCE,
        StageCode.PROPERTY_TAKEOVER,
    )
    assert first_step(ZY) is StageCode.TENDER
    assert [r.clause for r in ledger_rules(ZY)] == ["六"]
    assert not closes_out_in_ledger(ZY)


def test_zy2013_takeover_modes_include_logistics_management() -> None:
    """三(三): 专业化物业公司进驻、后勤式管理、社区介入等不同模式."""
    modes = step_modes(ZY, StageCode.PROPERTY_TAKEOVER)
    assert [m.name_zh for m in modes] == ["专业化物业公司进驻", "后勤式管理", "社区介入"]
    assert all(m.clause == "三(三)" for m in modes)


def test_zy2013_headquarters_office_in_the_district() -> None:
    """五(二)7: reports go to the 指挥部办公室; 六: 指挥部办公室要实行周例会制度."""
    assert ZY.office is not None and ZY.office.host == "zz-zhongyuan"
    assert (ZY.office.clause, ZY.office.see_also) == ("五(二)7", ("六",))


def test_zy2013_has_no_money_rules() -> None:
    """The plan says nothing about who pays: funding is absent, and the rules say so."""
    assert ZY.funding is None
    with pytest.raises(RuleAbsentError):
        award_fen(ZY, 100)
    with pytest.raises(RuleAbsentError):
        property_subsidy_fen(ZY, Decimal("1"), 1)


def test_zy2013_unreported_patrol_carries_liability() -> None:
    """五(二)5: 将每天巡查记录以书面形式上报指挥部，拒不上报者发生安全事故，追究相应责任."""
    patrol = ZY.supervision.daily_patrol
    assert patrol is not None and patrol.accountability_zh is not None
    assert "追究相应责任" in patrol.accountability_zh


def test_zy2013_headquarters_meetings_and_office_weekly_meeting() -> None:
    """六: 指挥部要定期召开会议…；指挥部办公室要实行周例会制度."""
    meetings = {m.code: m for m in ZY.supervision.meetings}
    assert meetings["office-weekly-meeting"].cadence is MeetingCadence.WEEKLY
    assert ZY.office is not None and meetings["office-weekly-meeting"].convener == ZY.office.code
    assert meetings["hq-meeting"].cadence is MeetingCadence.REGULAR
    assert {m.clause for m in meetings.values()} == {"六"}


def test_zy2013_past_tender_window_is_not_overdue() -> None:
    """三(一) 上半年 … 招投标 in a plan issued on 8 July: past at issue."""
    assert past_at_issue(ZY, "budget-and-tender")
