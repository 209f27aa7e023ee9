"""What a person reads in an e-mail or the inbox for an event (pure): subject and body in Chinese.

Messages carry only what identifies the record and its district, with amounts for money events
(only organisations that may read money hear them); names and residents' data stay in the
ledger, behind the reader's own access rights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.money import format_yuan

SHANGHAI = ZoneInfo("Asia/Shanghai")
PREFIX = "【老旧小区改造】"
FOOTER = "详情请登录老旧小区改造平台查看。此邮件由系统自动发送，请勿回复。"

TITLES: Mapping[str, str] = {
    "registry.project.registered.v1": "新项目已登记入台账",
    "registry.community.registered.v1": "小区已登记入台账",
    "registry.community.reassessed.v1": "小区改造资格已重新认定",
    "registry.community.classified.v1": "小区台账分类已调整",
    "registry.project.residents_consulted.v1": "项目已完成居民意愿征询",
    "registry.project.plan_submitted.v1": "项目改造方案已报送",
    "registry.project.plan_approved.v1": "项目改造方案已批复",
    "registry.project.tender_awarded.v1": "项目已完成招标",
    "registry.project.construction_started.v1": "项目已开工",
    "registry.project.progress_reported.v1": "项目施工进度已上报",
    "registry.project.construction_completed.v1": "项目已完工",
    "registry.project.acceptance_failed.v1": "项目竣工验收未通过，需整改",
    "registry.project.rectification_completed.v1": "项目已完成整改",
    "registry.project.review_passed.v1": "项目已通过审查",
    "registry.project.accepted.v1": "项目已通过竣工验收",
    "registry.project.final_accounts_audited.v1": "项目已完成决算审计",
    "registry.project.property_taken_over.v1": "项目已落实物业管理",
    "registry.project.closed.v1": "项目已结项",
    "registry.project.safety_patrol_recorded.v1": "施工现场安全巡查已记录",
    "registry.project.deadline_missed.v1": "项目节点逾期未完成",
    "registry.pipeline_work.assigned.v1": "管线改造任务已分派",
    "registry.pipeline_work.started.v1": "管线改造已开工",
    "registry.pipeline_work.completed.v1": "管线改造已完成",
    "registry.pipeline_work.exempted.v1": "管线改造任务已核免",
    "reporting.district.lagging.v1": "区县改造进度滞后预警",
    "reporting.weekly_report.overdue.v1": "周报逾期未报送",
    "reporting.bulletin.published.v1": "改造工作通报已发布",
    "funding.subsidy.approved.v1": "奖补资金已批准",
    "funding.subsidy.adjusted.v1": "奖补资金已按审计结果调整",
    "funding.subsidy.disbursed.v1": "奖补资金已拨付",
    "funding.subsidy.disbursement_reversed.v1": "奖补资金拨付已冲回",
    "funding.central_allocation.proposed.v1": "中央补助资金分配方案已提出，待审批",
    "funding.central_allocation.approved.v1": "中央补助资金分配方案已批准",
    "funding.investment.planned.v1": "项目投资计划已记录",
    "funding.property_subsidy.scheduled.v1": "物业服务补贴计划已制定",
    "funding.property_subsidy.paid.v1": "物业服务补贴已支付",
    "funding.source.committed.v1": "项目资金来源已落实",
    "reporting.evaluation.published.v1": "月度考评结果已发布",
}
"""Titles per event type; a type not listed gets a generic title naming it."""

AMOUNT_FIELDS: Mapping[str, str] = {
    "amount_fen": "金额",
    "adjustment_fen": "调整金额",
    "new_amount_fen": "调整后奖补金额",
    "investment_fen": "计划投资",
    "basis_fen": "计算基数",
}


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def title(event_type: str) -> str:
    return TITLES.get(event_type, f"平台事件：{event_type}")


def render(event_type: str, data: Mapping[str, Any], at: datetime) -> Message:
    """The subject and body for one event (a platform notice carries its own)."""
    if event_type.startswith("notification.") and data.get("title_zh") and data.get("body_zh"):
        body = f"{data['body_zh']}\n\n{FOOTER}"
        return Message(subject=f"{PREFIX}{data['title_zh']}", body=body)
    heading = title(event_type)
    lines = [heading, ""]
    if data.get("district_code"):
        lines.append(f"区县：{data['district_code']}")
    if data.get("programme_code"):
        lines.append(f"改造计划：{data['programme_code']}")
    if data.get("project_id"):
        lines.append(f"项目编号：{data['project_id']}")
    for field, label in AMOUNT_FIELDS.items():
        value = data.get(field)
        if isinstance(value, int):
            lines.append(f"{label}：{format_yuan(value)} 元")
    lines.append(f"时间：{at.astimezone(SHANGHAI):%Y年%m月%d日 %H:%M}（北京时间）")
    lines += ["", FOOTER]
    return Message(subject=f"{PREFIX}{heading}", body="\n".join(lines))
