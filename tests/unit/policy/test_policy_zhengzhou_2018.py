"""郑政办〔2018〕14号 (Zhengzhou 2018): each test names the clause it checks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shared.policy import (
    Party,
    RuleAbsentError,
    award_fen,
    catalogue_item,
    cumulative_target_share,
    deadlines,
    get_profile,
    indicator,
    indicator_threshold,
    is_eligible,
    meets_indicator,
    responsible_departments,
    target_share,
    weekly_report_weekday,
)

ZZ18 = get_profile("zhengzhou-2018")


def test_zz2018_yearly_targets_20_40_40() -> None:
    """二: 从2018年起…按照20%、40%、40%的年度计划逐步实施完成."""
    targets = ZZ18.supervision.yearly_targets
    assert targets is not None and targets.clause == "二"
    assert targets.shares == {2018: Decimal("0.2"), 2019: Decimal("0.4"), 2020: Decimal("0.4")}
    assert target_share(ZZ18, 2018) == Decimal("0.2")
    assert cumulative_target_share(ZZ18, 2019) == Decimal("0.6")
    assert cumulative_target_share(ZZ18, 2020) == 1


def test_zz2018_monthly_progress_report_and_no_weekly() -> None:
    """五(二): 每月按时上报项目进展; the plan sets no weekly report."""
    report = ZZ18.supervision.monthly_report
    assert report is not None and report.clause == "五(二)"
    assert report.reporters == (Party.DISTRICT, Party.DEPARTMENT)
    assert weekly_report_weekday(ZZ18) is None


@pytest.mark.parametrize(
    ("code", "value", "clause"),
    [
        ("main-road-lights-installed", "1.00", "三(一)"),  # 主干道装灯率达到100%
        ("main-road-lights-lit", "0.99", "三(一)"),  # 亮灯率99%
        ("back-street-lights-installed", "1.00", "三(二)"),  # 背街小巷 装灯率100%
        ("back-street-lights-lit", "0.95", "三(二)"),  # 亮灯率95%
        ("bus-stop-coverage", "1.00", "三(一)"),  # 公交站点500米全覆盖
    ],
)
def test_zz2018_lighting_and_bus_indicators(code: str, value: str, clause: str) -> None:
    """三(一), 三(二): undated thresholds, in force throughout."""
    assert indicator(ZZ18, code).clause == clause
    assert indicator_threshold(ZZ18, code, date(2018, 3, 1)) == Decimal(value)


def test_zz2018_hd_video_80_by_2018_100_by_2020() -> None:
    """三(九): 2018年底前，高清视频技防覆盖率达到80%以上；2020年底前，覆盖率达到100%."""
    code = "hd-video-coverage"
    assert indicator_threshold(ZZ18, code, date(2018, 12, 30)) is None
    assert indicator_threshold(ZZ18, code, date(2018, 12, 31)) == Decimal("0.80")
    assert indicator_threshold(ZZ18, code, date(2020, 6, 1)) == Decimal("0.80")
    assert indicator_threshold(ZZ18, code, date(2020, 12, 31)) == Decimal("1.00")
    assert meets_indicator(ZZ18, code, Decimal("0.85"), date(2019, 6, 1))
    assert not meets_indicator(ZZ18, code, Decimal("0.85"), date(2021, 1, 1))
    assert meets_indicator(ZZ18, code, Decimal("0.10"), date(2018, 6, 1))  # nothing due yet


def test_zz2018_waste_recycling_at_least_35_percent_by_2020() -> None:
    """三(九): 2020年底前，老旧片区生活垃圾回收利用率达到35%以上，无害化处理率达到100%."""
    on = date(2021, 1, 1)
    assert indicator_threshold(ZZ18, "waste-recycling", on) == Decimal("0.35")
    assert meets_indicator(ZZ18, "waste-recycling", Decimal("0.35"), on)
    assert not meets_indicator(ZZ18, "waste-recycling", Decimal("0.3499"), on)
    assert indicator_threshold(ZZ18, "waste-harmless-treatment", on) == Decimal("1.00")


def test_zz2018_meets_indicator_refuses_float() -> None:
    with pytest.raises(TypeError):
        meets_indicator(ZZ18, "waste-recycling", 0.4, date(2021, 1, 1))  # type: ignore[arg-type]


def test_zz2018_unknown_indicator() -> None:
    with pytest.raises(KeyError):
        indicator(ZZ18, "air-quality")


def test_zz2018_ten_key_work_items_led_by_districts() -> None:
    """三(一)–(十), each 牵头单位：各县（市、区）."""
    assert [i.clause for i in ZZ18.catalogue.items] == [
        "三(一)",
        "三(二)",
        "三(三)",
        "三(四)",
        "三(五)",
        "三(六)",
        "三(七)",
        "三(八)",
        "三(九)",
        "三(十)",
    ]
    assert ZZ18.catalogue.lead.party is Party.DISTRICT


def test_zz2018_responsible_units_per_item() -> None:
    """三(一) 责任单位：市城管委、市城建委、市交通委; 三(十) 市民政局."""
    assert responsible_departments(ZZ18, 1) == ("urban-management", "construction", "transport")
    assert responsible_departments(ZZ18, 10) == ("civil-affairs",)
    assert catalogue_item(ZZ18, 1).cited_responsibility == "三(一)"


def test_zz2018_old_community_item_names_fourteen_units() -> None:
    """三(九) 责任单位: 住房保障局、民政局、规划局、城管委、园林局、教育局、卫计委、
    文广新局、体育局、商务局、市场发展局、文物局、数字办、消防支队."""
    departments = responsible_departments(ZZ18, "old-communities")
    assert len(departments) == 14
    assert {"housing", "fire", "landscaping", "market-development"} <= set(departments)


def test_zz2018_no_year_rule_only_a_designated_area() -> None:
    """四(一): 依据现状情况确定老旧片区实施范围 — no built-before year, no exclusions."""
    assert ZZ18.eligibility.built_before is None
    assert ZZ18.eligibility.exclusions == ()
    decision = is_eligible(ZZ18, 2010)
    assert decision.eligible and decision.checks == ()
    assert [c.code for c in decision.to_confirm] == ["in-designated-old-area"]


def test_zz2018_deadlines() -> None:
    """四(一) 2月底前摸底; 四(二) 3月底前示范区规划; 四(三) 5月底前基本完成建设，6月份观摩验收."""
    due = {d.code: d.due_on for d in deadlines(ZZ18)}
    assert due == {
        "survey-complete": date(2018, 2, 28),
        "demonstration-plans": date(2018, 3, 31),
        "demonstration-built": date(2018, 5, 31),
        "demonstration-accepted": date(2018, 6, 30),
    }


def test_zz2018_takeover_by_housing_and_civil_affairs() -> None:
    """四(四): 由住房保障局和民政局牵头组织社区和物业公司办理验收接管手续."""
    stage = ZZ18.lifecycle.stage("property_takeover")
    assert stage is not None
    assert stage.responsible_departments == ("housing", "civil-affairs")


def test_zz2018_award_fund_without_ratio() -> None:
    """五(三): 设立专项奖补资金 but no ratio, so no award rule."""
    assert ZZ18.funding is not None and ZZ18.funding.award is None
    with pytest.raises(RuleAbsentError):
        award_fen(ZZ18, 100)


def test_zz2018_laggards_named() -> None:
    """五(四): 对先进单位和个人进行表彰，对落后单位进行通报."""
    assert ZZ18.supervision.enforcement is not None
    assert ZZ18.supervision.enforcement.rewards
    assert ZZ18.office is not None and ZZ18.office.name_zh == "市提质办"
