"""The funding workbook: what Finance and the districts open in Excel, from the same rows and
journal the API reads (each caller sees only what the API would show them)."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.funding.domain.exports import ACCOUNT_ZH, MOVEMENT_ZH, Sheet, workbook, yuan
from services.funding.handlers import journal
from services.funding.handlers.awards import awarded_fen, list_awards, list_no_awards
from services.funding.handlers.central_funds import list_allocations
from services.funding.handlers.totals import totals
from services.funding.models import JournalEntry
from services.funding.models.totals import TotalsBy
from shared.access import Principal, visible_district
from shared.clock import SHANGHAI

BASIS_ZH = {
    "accepted_investment": "竣工验收时投资",
    "audited_investment": "决算审计投资",
    "approved_investment": "批准的投资计划",
}
STATUS_ZH = {"proposed": "待批准", "approved": "已批准"}
ALLOCATION_STATUS_ZH = {"proposed": "待批准", "approved": "已批准", "superseded": "已被新方案取代"}
OUTCOME_ZH = {
    "allocated": "已分配",
    "not_listed": "未列入中央资金补助名单",
    "no_remaining_need": "资金已落实",
    "nothing_left": "资金已分完",
}


async def funding_workbook(session: AsyncSession, actor: Principal) -> bytes:
    """汇总 (per district), 项目 (per award), 不予奖补 (no-award reasons), 资金流水 (the journal)."""
    summary = Sheet(
        "汇总",
        [
            "区县",
            "已批准奖补项目数",
            "奖补金额（元）",
            "已拨付（元）",
            "未拨付（元）",
            "物业服务补贴计划（元）",
            "物业服务补贴已付（元）",
        ],
        [2, 3, 4, 5, 6],
    )
    for total in await totals(session, actor, TotalsBy.DISTRICT):
        summary.add(
            total.district_code,
            total.approved_awards,
            yuan(total.awarded_fen),
            yuan(total.paid_fen),
            yuan(total.outstanding_fen),
            yuan(total.property_subsidy_scheduled_fen),
            yuan(total.property_subsidy_paid_fen),
        )
    projects = Sheet(
        "项目",
        [
            "项目编号",
            "区县",
            "计划",
            "奖补基数",
            "基数金额（元）",
            "奖补比例",
            "批准金额（元）",
            "调整后金额（元）",
            "已拨付（元）",
            "未拨付（元）",
            "状态",
            "批准单位",
            "批准时间",
        ],
        [4, 6, 7, 8, 9],
    )
    for award in await list_awards(session, actor, None):
        balances = await journal.project_balances(session, award.project_id)
        approved = award.status == "approved"
        projects.add(
            str(award.project_id),
            award.district_code,
            award.programme_code,
            BASIS_ZH.get(str(award.basis), str(award.basis or "")),
            yuan(award.basis_fen),
            award.ratio,
            yuan(award.amount_fen) if approved else None,
            yuan(await awarded_fen(session, award)) if approved else None,
            yuan(balances.paid_fen),
            yuan(balances.outstanding_fen) if approved else None,
            STATUS_ZH.get(str(award.status), str(award.status)),
            award.approved_by or "",
            award.approved_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if award.approved_at else "",
        )
    excluded = Sheet("不予奖补", ["项目编号", "区县", "计划", "原因", "说明"])
    for row in await list_no_awards(session, actor, None):
        excluded.add(str(row.project_id), row.district_code, row.programme_code, str(row.reason), row.detail)
    ledger = Sheet(
        "资金流水",
        ["序号", "记账时间", "项目编号", "区县", "业务", "借方科目", "贷方科目", "金额（元）"],
        [7],
    )
    query = select(JournalEntry).order_by(col(JournalEntry.id))
    if (district := visible_district(actor)) is not None:
        query = query.where(JournalEntry.district_code == district)
    for entry in (await session.exec(query)).all():
        ledger.add(
            entry.id,
            entry.posted_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            str(entry.project_id),
            entry.district_code,
            MOVEMENT_ZH[entry.movement],
            ACCOUNT_ZH[entry.debit_account],
            ACCOUNT_ZH[entry.credit_account],
            yuan(entry.amount_fen),
        )
    return workbook([summary, projects, excluded, ledger])


async def central_workbook(session: AsyncSession, actor: Principal) -> bytes:
    """中央资金分配 (each allocation's ranked lines, the projects left out and why) and 汇总 (central
    funds per district and per programme, from the journal)."""
    summary = Sheet("汇总", ["类别", "区县或实施方案", "中央补助资金（元）"], [2])
    for by, label in ((TotalsBy.DISTRICT, "区县"), (TotalsBy.PROGRAMME, "实施方案")):
        for total in await totals(session, actor, by):
            if total.central_fen:
                summary.add(label, total.district_code or total.programme_code, yuan(total.central_fen))
    return workbook([await _central_sheet(session, actor), summary])


async def _central_sheet(session: AsyncSession, actor: Principal) -> Sheet:
    sheet = Sheet(
        "中央资金分配",
        [
            "方案编号",
            "状态",
            "排名",
            "项目编号",
            "项目名称",
            "区县",
            "列入名单",
            "得分",
            "尚需资金（元）",
            "分配金额（元）",
            "说明",
        ],
        [8, 9],
    )
    for allocation in await list_allocations(session, actor):
        for line in allocation.lines:
            sheet.add(
                str(allocation.id),
                ALLOCATION_STATUS_ZH.get(str(allocation.status), str(allocation.status)),
                line.rank,
                str(line.project_id),
                line.name or "",
                line.district_code,
                "是" if line.listed else "否",
                line.score,
                yuan(line.need_fen),
                yuan(line.amount_fen),
                OUTCOME_ZH.get(str(line.outcome), str(line.outcome)) + "：" + line.reason,
            )
    return sheet
