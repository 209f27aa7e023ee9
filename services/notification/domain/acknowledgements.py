"""Business acknowledgements (pure): when an action item is due, how fast organisations
acknowledge, and what the office is told when one is overdue.

An event that asks a department to act (the programme profile's `action_requests`) becomes an
action item; the department acknowledges receipt, then records the action taken. An item not
acknowledged by its due time is escalated once to the programme's leading-group office.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.notification.domain.notices import ACKNOWLEDGEMENT_OVERDUE, notice
from shared.contracts.envelope import CloudEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")


def due_at(asked_at: datetime, within_hours: int) -> datetime:
    """The acknowledgement is due this many calendar hours after the ask."""
    return asked_at + timedelta(hours=within_hours)


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (0 < share ≤ 1) of `values`; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float | None:
    """The median (the mean of the middle two for an even count); None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


@dataclass(frozen=True)
class ItemTimes:
    """What the report needs of one action item."""

    org_code: str
    created_at: datetime
    acknowledge_by: datetime
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class OrgTimes:
    org_code: str
    items: int
    acknowledged: int
    median_s: float | None
    p90_s: float | None
    late: int
    overdue: int


def times_by_org(items: Iterable[ItemTimes], now: datetime) -> list[OrgTimes]:
    """Acknowledgement times per organisation, by organisation code."""
    grouped: dict[str, list[ItemTimes]] = {}
    for item in items:
        grouped.setdefault(item.org_code, []).append(item)
    report = []
    for org_code in sorted(grouped):
        rows = grouped[org_code]
        done = [r for r in rows if r.acknowledged_at is not None]
        seconds = [(r.acknowledged_at - r.created_at).total_seconds() for r in done if r.acknowledged_at]
        report.append(
            OrgTimes(
                org_code=org_code,
                items=len(rows),
                acknowledged=len(done),
                median_s=median(seconds),
                p90_s=percentile(seconds, 0.9),
                late=sum(1 for r in done if r.acknowledged_at and r.acknowledged_at > r.acknowledge_by),
                overdue=sum(1 for r in rows if r.acknowledged_at is None and r.acknowledge_by <= now),
            )
        )
    return report


def escalation(
    *,
    item_id: str,
    org_code: str,
    title: str,
    project_id: str | None,
    district_code: str | None,
    asked_at: datetime,
    due: datetime,
    now: datetime,
) -> CloudEvent:
    """The notice to the office that an organisation has not acknowledged an action item."""
    lines = [
        f"{org_code} 未在规定时限内签收待办事项：{title}。",
        f"下发时间：{asked_at.astimezone(SHANGHAI):%Y年%m月%d日 %H:%M}（北京时间）",
        f"签收时限：{due.astimezone(SHANGHAI):%Y年%m月%d日 %H:%M}（北京时间）",
    ]
    if district_code:
        lines.append(f"区县：{district_code}")
    if project_id:
        lines.append(f"项目编号：{project_id}")
    lines.append("请领导小组办公室督促办理。")
    return notice(
        ACKNOWLEDGEMENT_OVERDUE,
        notice_id=f"overdue:{item_id}",
        title=f"待办事项逾期未签收：{title}",
        body="\n".join(lines),
        now=now,
        subject=f"action-items/{item_id}",
        details={
            "action_item_id": item_id,
            "org_code": org_code,
            "project_id": project_id,
            "district_code": district_code,
            "acknowledge_by": due.isoformat(),
        },
    )
