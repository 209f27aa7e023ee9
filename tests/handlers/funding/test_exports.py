"""The funding workbook: Chinese headings, amounts in exact yuan, each caller's own rows only."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from services.funding.handlers.exports import funding_workbook
from tests.handlers.funding.world import FINANCE, accepted, audited, district, start_funding


async def _book(funding, actor=FINANCE):  # type: ignore[no-untyped-def]
    body = await funding.harness.run(lambda s: funding_workbook(s, actor))
    return load_workbook(io.BytesIO(body))


async def test_the_workbook_traces_award_true_up_and_tranche_in_yuan(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event, award = await funding.accepted_and_approved()
    await funding.pay(award.id, 10_000_001)
    await funding.harness.deliver(audited(event))
    await funding.harness.deliver(accepted(district_code="zz-gongyi"))
    book = await _book(funding)
    assert book.sheetnames == ["汇总", "项目", "不予奖补", "资金流水"]
    summary = [[c.value for c in row] for row in book["汇总"].iter_rows()]
    assert summary[0] == [
        "区县",
        "已批准奖补项目数",
        "奖补金额（元）",
        "已拨付（元）",
        "未拨付（元）",
        "物业服务补贴计划（元）",
        "物业服务补贴已付（元）",
    ]
    assert summary[1][:2] == ["zz-jinshui", 1]
    assert [Decimal(str(v)) for v in summary[1][2:]] == [
        Decimal("180000.00"),
        Decimal("100000.01"),
        Decimal("79999.99"),
        Decimal("0.00"),  # no property-service subsidy scheduled here
        Decimal("0.00"),
    ]
    project = [c.value for c in book["项目"][2]]
    assert project[3] == "竣工验收时投资" and project[10] == "已批准"
    assert book["项目"]["E2"].number_format == "#,##0.00"
    ledger = [[c.value for c in row] for row in book["资金流水"].iter_rows(min_row=2)]
    assert [(r[4], r[5], r[6], Decimal(str(r[7]))) for r in ledger] == [
        ("奖补批准", "奖补支出", "应付奖补", Decimal("192000.00")),
        ("拨付", "应付奖补", "财政资金", Decimal("100000.01")),
        ("决算审计调整", "应付奖补", "奖补支出", Decimal("12000.00")),
    ]
    (excluded,) = list(book["不予奖补"].iter_rows(min_row=2, values_only=True))
    assert excluded[1] == "zz-gongyi" and excluded[3] == "not_in_award_area"


async def test_a_district_exports_only_its_own_rows(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    await funding.accepted_and_approved()
    await funding.accepted_and_approved(district_code="zz-erqi")
    book = await _book(funding, district("zz-erqi"))
    assert [r[1] for r in book["项目"].iter_rows(min_row=2, values_only=True)] == ["zz-erqi"]
    assert {r[3] for r in book["资金流水"].iter_rows(min_row=2, values_only=True)} == {"zz-erqi"}
