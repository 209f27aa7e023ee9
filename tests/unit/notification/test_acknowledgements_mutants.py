"""Action-item acknowledgements: due times, per-organisation timing report, overdue escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notification.domain.acknowledgements import (
    ItemTimes,
    OrgTimes,
    due_at,
    escalation,
    median,
    percentile,
    times_by_org,
)
from services.notification.domain.notices import ACKNOWLEDGEMENT_OVERDUE, SOURCE

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 in Beijing


def test_due_at_adds_calendar_hours() -> None:
    assert due_at(T0, 24) == datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    assert due_at(T0, 0) == T0


def test_percentile_of_nothing_is_none() -> None:
    assert percentile([], 0.9) is None


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (0.9, 9.0),  # ceil(0.9 × 10) = 9th smallest
        (0.91, 10.0),  # ceil(9.1) = 10th
        (0.5, 5.0),
        (1.0, 10.0),
        (0.01, 1.0),  # ceil(0.1) = 1st
        (0.0, 1.0),  # never below the first rank
    ],
)
def test_percentile_is_nearest_rank_on_sorted_values(share: float, expected: float) -> None:
    values = [10.0, 3.0, 7.0, 1.0, 5.0, 9.0, 2.0, 8.0, 4.0, 6.0]
    assert percentile(values, share) == expected


def test_percentile_of_one_value_is_that_value() -> None:
    assert percentile([42.0], 0.9) == 42.0


def test_median_of_nothing_is_none() -> None:
    assert median([]) is None


def test_median_of_an_odd_count_is_the_middle_value() -> None:
    assert median([9.0, 1.0, 5.0]) == 5.0
    assert median([7.0]) == 7.0


def test_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    assert median([10.0, 1.0, 4.0, 2.0]) == 3.0  # sorted 1, 2, 4, 10 → (2 + 4) / 2
    assert median([1.0, 2.0]) == 1.5


def _item(org: str, created_h: int, due_h: int, ack_h: float | None) -> ItemTimes:
    return ItemTimes(
        org_code=org,
        created_at=T0 + timedelta(hours=created_h),
        acknowledge_by=T0 + timedelta(hours=due_h),
        acknowledged_at=None if ack_h is None else T0 + timedelta(hours=ack_h),
    )


def test_times_by_org_groups_sorts_and_counts() -> None:
    now = T0 + timedelta(hours=48)
    items = [
        _item("ZJ", 0, 24, 1),  # 3600 s, on time
        _item("FG", 0, 24, 2),  # 7200 s
        _item("ZJ", 0, 24, 24),  # 86400 s, exactly at the deadline: not late
        _item("ZJ", 0, 24, 25),  # 90000 s, one hour late
        _item("ZJ", 0, 48, None),  # due exactly now, not acknowledged: overdue
        _item("ZJ", 0, 49, None),  # not due yet
    ]
    report = times_by_org(items, now)
    assert [r.org_code for r in report] == ["FG", "ZJ"]
    assert report[0] == OrgTimes(
        "FG", items=1, acknowledged=1, median_s=7200.0, p90_s=7200.0, late=0, overdue=0
    )
    assert report[1] == OrgTimes(
        "ZJ",
        items=5,
        acknowledged=3,
        median_s=86400.0,
        p90_s=90000.0,  # ceil(0.9 × 3) = 3rd
        late=1,
        overdue=1,
    )


def test_times_by_org_measures_from_creation_not_from_the_hour() -> None:
    report = times_by_org([_item("A", 5, 10, 6)], now=T0)
    assert report[0].median_s == 3600.0


def test_times_by_org_with_nothing_acknowledged_has_no_times() -> None:
    report = times_by_org([_item("A", 0, 1, None)], now=T0)
    assert report == [OrgTimes("A", items=1, acknowledged=0, median_s=None, p90_s=None, late=0, overdue=0)]


def test_times_by_org_of_no_items_is_empty() -> None:
    assert times_by_org([], now=T0) == []


def test_escalation_tells_the_office_in_beijing_time() -> None:
    asked = datetime(2026, 11, 20, 1, 5, tzinfo=UTC)
    due = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)  # 01:30 the next day in Beijing
    now = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
    event = escalation(
        item_id="ai-7",
        org_code="ZJJ",
        title="核查燃气管道",
        project_id="p-1",
        district_code="410102",
        asked_at=asked,
        due=due,
        now=now,
    )
    assert event.type == ACKNOWLEDGEMENT_OVERDUE
    assert event.source == SOURCE
    assert event.id == "overdue:ai-7"
    assert event.subject == "action-items/ai-7"
    assert event.time == now
    assert event.data["title_zh"] == "待办事项逾期未签收：核查燃气管道"
    assert event.data["body_zh"] == (
        "ZJJ 未在规定时限内签收待办事项：核查燃气管道。\n"
        "下发时间：2026年11月20日 09:05（北京时间）\n"
        "签收时限：2026年11月21日 01:30（北京时间）\n"
        "区县：410102\n"
        "项目编号：p-1\n"
        "请领导小组办公室督促办理。"
    )
    assert event.data["action_item_id"] == "ai-7"
    assert event.data["org_code"] == "ZJJ"
    assert event.data["project_id"] == "p-1"
    assert event.data["district_code"] == "410102"
    assert event.data["acknowledge_by"] == "2026-11-20T17:30:00+00:00"


def test_escalation_without_district_or_project_leaves_those_lines_out() -> None:
    event = escalation(
        item_id="ai-8",
        org_code="FGW",
        title="报送计划",
        project_id=None,
        district_code=None,
        asked_at=T0,
        due=T0 + timedelta(hours=24),
        now=T0 + timedelta(hours=25),
    )
    body = event.data["body_zh"]
    assert "区县" not in body
    assert "项目编号" not in body
    assert body.splitlines() == [
        "FGW 未在规定时限内签收待办事项：报送计划。",
        "下发时间：2026年11月20日 09:00（北京时间）",
        "签收时限：2026年11月21日 09:00（北京时间）",
        "请领导小组办公室督促办理。",
    ]
    assert event.data["project_id"] is None
    assert event.data["district_code"] is None
