"""The funding and central workbooks, pinned cell by cell where mutants survived: every heading,
which columns are yuan, each award's row (an approved one with its true-up, a proposed one with
no approved figures, a legacy one without a basis), the no-award row, the journal in Shanghai
time, and each central-fund line with its outcome and reason."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

from services.funding.domain.awards import AwardStatus
from services.funding.handlers import central_funds as central
from services.funding.handlers import exports
from services.funding.models import Award, NoAward
from services.funding.models.central_funds import AllocationCreate
from shared.contracts.registry import PlanApproved, PlanItem
from tests.handlers.funding.kaifeng import HOUSING, KAIFENG, LONGTING, register
from tests.handlers.funding.world import FINANCE, JINSHUI, PROGRAMME, accepted, audited, start_funding

YUAN = "#,##0.00"


async def _book(funding: Any, which: Any = exports.funding_workbook, actor: Any = FINANCE) -> Any:
    body = await funding.harness.run(lambda s: which(s, actor))
    return load_workbook(io.BytesIO(body))


def _rows(page: Any) -> list[list[Any]]:
    return [list(row) for row in page.iter_rows(values_only=True)]


def _yuan_columns(page: Any, row: int = 2) -> list[int]:
    """The 0-based columns whose cell in `row` is formatted as yuan."""
    return [cell.column - 1 for cell in page[row] if cell.number_format == YUAN]


def _d(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


async def _legacy_award(funding: Any, project_id: uuid.UUID) -> None:
    """A proposed award from before the basis column (migration 0004): its basis is unknown."""
    row = Award(
        project_id=project_id,
        district_code=JINSHUI,
        programme_code=PROGRAMME,
        basis_fen=1_000_00,
        ratio=Decimal("0.4"),
        amount_fen=400_00,
        status=AwardStatus.PROPOSED,
        basis=None,
        source_event_id="legacy",
        proposed_at=funding.harness.clock.now(),
    )

    async def add(session: Any) -> None:
        session.add(row)

    await funding.harness.run(add)


async def test_the_funding_workbook_cell_by_cell(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Award A approved at 10:00 Shanghai on 20 November (192 000.00 = 40% of the accepted
    480 000.00), then, at 00:30 Shanghai on the 21st (16:30 UTC the day before), a tranche of
    100 000.01 and the audit (40% of 450 000.01 = 180 000.00, so −12 000.00); award B only
    proposed; a legacy award with no basis; Gongyi's project earns none."""
    funding = await start_funding(harness_for)
    a, _ = await funding.accepted_and_approved()
    funding.harness.clock.advance(timedelta(hours=14, minutes=30))
    award_a = await funding.award_of(a.project_id)
    await funding.pay(award_a.id, 10_000_001, paid_on=date(2026, 11, 21))
    await funding.harness.deliver(audited(a))
    funding.harness.clock.advance(timedelta(minutes=1))
    b = accepted()
    await funding.harness.deliver(b)
    funding.harness.clock.advance(timedelta(minutes=1))
    legacy = uuid.UUID(int=77)
    await _legacy_award(funding, legacy)
    funding.harness.clock.advance(timedelta(minutes=1))
    c = accepted(district_code="zz-gongyi")
    await funding.harness.deliver(c)
    (no_award,) = await funding.harness.all(NoAward)

    book = await _book(funding)
    assert book.sheetnames == ["汇总", "项目", "不予奖补", "资金流水"]

    summary = book["汇总"]
    heading, *totals = _rows(summary)
    assert heading == [
        "区县",
        "已批准奖补项目数",
        "奖补金额（元）",
        "已拨付（元）",
        "未拨付（元）",
        "物业服务补贴计划（元）",
        "物业服务补贴已付（元）",
    ]
    jinshui = next(r for r in totals if r[0] == JINSHUI)
    assert jinshui[1] == 1
    assert [_d(v) for v in jinshui[2:]] == [
        Decimal("180000.00"),
        Decimal("100000.01"),
        Decimal("79999.99"),
        Decimal("0"),
        Decimal("0"),
    ]
    assert _yuan_columns(summary) == [2, 3, 4, 5, 6]

    projects = book["项目"]
    heading, *rows = _rows(projects)
    assert heading == [
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
    ]
    assert [r[0] for r in rows] == [str(a.project_id), str(b.project_id), str(legacy)]
    row_a, row_b, row_legacy = rows
    assert row_a[1:4] == [JINSHUI, PROGRAMME, "竣工验收时投资"]
    assert [_d(v) for v in row_a[4:10]] == [
        Decimal("480000.00"),
        Decimal("0.4"),
        Decimal("192000.00"),
        Decimal("180000.00"),
        Decimal("100000.01"),
        Decimal("79999.99"),
    ]
    assert row_a[10:] == ["已批准", "finance", "2026-11-20 10:00"]
    assert row_b[1:4] == [JINSHUI, PROGRAMME, "竣工验收时投资"]
    assert [_d(v) for v in row_b[4:10]] == [
        Decimal("480000.00"),
        Decimal("0.4"),
        None,
        None,
        Decimal("0"),
        None,
    ]
    assert row_b[10] == "待批准"
    assert row_b[11] is None and row_b[12] is None  # blank cells ("" reads back as None)
    assert row_legacy[3] is None and row_legacy[10] == "待批准"
    assert _yuan_columns(projects) == [4, 6, 7, 8, 9]

    excluded = book["不予奖补"]
    assert _rows(excluded) == [
        ["项目编号", "区县", "计划", "原因", "说明"],
        [str(c.project_id), "zz-gongyi", PROGRAMME, "not_in_award_area", no_award.detail],
    ]
    assert no_award.detail

    ledger = book["资金流水"]
    heading, *entries = _rows(ledger)
    assert heading == ["序号", "记账时间", "项目编号", "区县", "业务", "借方科目", "贷方科目", "金额（元）"]
    assert [r[:7] for r in entries] == [
        [1, "2026-11-20 10:00", str(a.project_id), JINSHUI, "奖补批准", "奖补支出", "应付奖补"],
        [2, "2026-11-21 00:30", str(a.project_id), JINSHUI, "拨付", "应付奖补", "财政资金"],
        [3, "2026-11-21 00:30", str(a.project_id), JINSHUI, "决算审计调整", "应付奖补", "奖补支出"],
    ]
    assert [_d(r[7]) for r in entries] == [Decimal("192000.00"), Decimal("100000.01"), Decimal("12000.00")]
    assert _yuan_columns(ledger) == [7]


async def _propose(funding: Any, listed: list[uuid.UUID], amount_fen: int) -> Any:
    body = AllocationCreate(programme_code=KAIFENG, amount_fen=amount_fen, listed_project_ids=listed)
    now = funding.harness.clock.now()
    return await funding.harness.run(lambda s: central.propose(s, HOUSING, body, now))


async def test_the_central_workbook_cell_by_cell(harness_for) -> None:  # type: ignore[no-untyped-def]
    """A (every step, completed, the largest need: score 0.5 + 0.3 + 0.2 = 1) and B (no step, no
    progress, need 20 000.00 of the largest 50 000.00: 0.2 × 0.4 = 0.08) share one fen: B's
    proportional share rounds down to nothing and the left-over fen goes to A, the higher ranked.
    C is known only by its approved plan (no name) and not listed. The first proposal, superseded
    by the second, is shown too; the approved fen is the summary's central funds."""
    funding = await start_funding(harness_for)
    every_step = ("approval", "design_review", "cost_review", "tender")
    a = await register(funding.harness, "鼓楼街小区", 5_000_000, steps=every_step, completed=True)
    b = await register(funding.harness, "龙亭北小区", 2_000_000)
    c = uuid.UUID(int=99)
    await funding.harness.deliver(
        PlanApproved(
            project_id=c,
            community_id=uuid.uuid5(c, "community"),
            district_code=LONGTING,
            programme_code=KAIFENG,
            version=1,
            approved_on=date(2019, 12, 1),
            items=[PlanItem(item_code="roads", investment_fen=3_000_000)],
            investment_fen=3_000_000,
        )
    )
    first = await _propose(funding, [a], 1_000)
    funding.harness.clock.advance(timedelta(minutes=1))
    second = await _propose(funding, [a, b], 1)
    now = funding.harness.clock.now()
    await funding.harness.run(lambda s: central.approve(s, FINANCE, second.id, now))

    book = await _book(funding, exports.central_workbook)
    assert book.sheetnames == ["中央资金分配", "汇总"]
    page = book["中央资金分配"]
    heading, *rows = _rows(page)
    assert heading == [
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
    ]
    ours = [r for r in rows if r[0] == str(second.id)]
    assert [r[:7] for r in ours] == [
        [str(second.id), "已批准", 1, str(a), "鼓楼街小区", LONGTING, "是"],
        [str(second.id), "已批准", 2, str(b), "龙亭北小区", LONGTING, "是"],
        [str(second.id), "已批准", None, str(c), None, LONGTING, "否"],
    ]
    assert [_d(r[7]) for r in ours] == [Decimal("1"), Decimal("0.08"), None]
    assert [(_d(r[8]), _d(r[9])) for r in ours] == [
        (Decimal("50000.00"), Decimal("0.01")),
        (Decimal("20000.00"), Decimal("0")),
        (Decimal("30000.00"), Decimal("0")),
    ]
    assert ours[0][10] == "已分配：rank 1, score 1.0000"
    assert ours[1][10] == "资金已分完：rank 2, score 0.0800: nothing left"
    assert ours[2][10].startswith("未列入中央资金补助名单：")
    assert {r[1] for r in rows if r[0] == str(first.id)} == {"已被新方案取代"}
    assert _yuan_columns(page) == [8, 9]

    summary = book["汇总"]
    heading, *totals = _rows(summary)
    assert heading == ["类别", "区县或实施方案", "中央补助资金（元）"]
    assert [(r[0], r[1], _d(r[2])) for r in totals] == [
        ("区县", LONGTING, Decimal("0.01")),
        ("实施方案", KAIFENG, Decimal("0.01")),
    ]
    assert _yuan_columns(summary) == [2]
