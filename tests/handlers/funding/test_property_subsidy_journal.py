"""The property-service subsidy (Zhengzhou 2019 五(三)) moves through the journal: the schedule's
totals are derived from it, and the reconciliation ties the journal to the schedule and its
payments (the sub-ledger) for each project a caller may see."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import insert

from services.funding.handlers import exports, totals
from services.funding.handlers import property_subsidy as handlers
from services.funding.models import JournalEntry
from services.funding.models.property_subsidy import PaymentCreate, ScheduleCreate, SubsidyPayment
from services.funding.models.totals import TotalsBy
from shared.contracts.registry import PropertyTakenOver
from tests.handlers.funding.world import FINANCE, JINSHUI, PROGRAMME, district, start_funding, taken_over

# 30 fen × 1 000.05 m² = 30 001.5 fen a month; × 36 = 1 080 054 fen; 1 080 054 = 36 × 30 001 + 18.
AREA, TOTAL, FIRST, SECOND = "1000.05", 1_080_054, 30_002, 10_000


async def _scheduled_and_paid(funding: Any, district_code: str = JINSHUI) -> PropertyTakenOver:
    event = taken_over(district_code=district_code, taken_over_on=date(2026, 5, 15))
    await funding.harness.deliver(event)
    now = funding.harness.clock.now()
    actor = district(district_code)
    await funding.harness.run(
        lambda s: handlers.create_schedule(
            s, actor, event.project_id, ScheduleCreate(floor_area_m2=AREA), now
        )
    )
    for month, amount in ((date(2026, 6, 1), FIRST), (date(2026, 7, 1), SECOND)):
        body = PaymentCreate(month=month, amount_fen=amount, paid_on=date(2026, 11, 20))
        await funding.harness.run(lambda s, b=body: handlers.pay_month(s, actor, event.project_id, b, now))
    return event


async def test_a_schedule_and_each_payment_are_posted_debit_and_credit(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = await _scheduled_and_paid(funding)
    entries = [e for e in await funding.harness.all(JournalEntry) if e.project_id == event.project_id]
    assert [(e.movement, e.debit_account, e.credit_account, e.amount_fen, e.award_id) for e in entries] == [
        ("property_subsidy_scheduled", "property_subsidy_expense", "property_subsidy_payable", TOTAL, None),
        ("property_subsidy_paid", "property_subsidy_payable", "district_treasury", FIRST, None),
        ("property_subsidy_paid", "property_subsidy_payable", "district_treasury", SECOND, None),
    ]
    payments = sorted(await funding.harness.all(SubsidyPayment), key=lambda p: p.month)
    schedule = await funding.harness.run(
        lambda s: handlers.read_schedule(s, district(), event.project_id, funding.harness.clock.now())
    )
    assert entries[0].reference_id == schedule.id
    assert [e.reference_id for e in entries[1:]] == [p.id for p in payments]
    assert (schedule.total_fen, schedule.paid_fen, schedule.owed_fen) == (
        TOTAL,
        FIRST + SECOND,
        TOTAL - FIRST - SECOND,
    )


async def test_the_reconciliation_ties_the_journal_to_the_schedule_and_its_payments(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = await _scheduled_and_paid(funding)
    reconciliation = await funding.reconciliation()
    (line,) = reconciliation.property_subsidy
    assert (line.project_id, line.district_code) == (event.project_id, JINSHUI)
    assert (line.journal_scheduled_fen, line.schedule_total_fen) == (TOTAL, TOTAL)
    assert (line.journal_paid_fen, line.payments_fen, line.owed_fen) == (
        FIRST + SECOND,
        FIRST + SECOND,
        TOTAL - FIRST - SECOND,
    )
    assert line.ties_out and reconciliation.ties_out


async def test_a_payment_recorded_beside_the_journal_does_not_tie_out(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = await _scheduled_and_paid(funding)
    (schedule_id,) = {p.schedule_id for p in await funding.harness.all(SubsidyPayment)}
    now = funding.harness.clock.now()

    async def pay_without_posting(session: Any) -> None:
        await session.exec(
            insert(SubsidyPayment).values(
                schedule_id=schedule_id,
                month=date(2026, 8, 1),
                amount_fen=1,
                paid_on=date(2026, 11, 20),
                recorded_by=JINSHUI,
                recorded_at=now,
            )
        )

    await funding.harness.run(pay_without_posting)
    reconciliation = await funding.reconciliation()
    (line,) = reconciliation.property_subsidy
    assert (line.project_id, line.journal_paid_fen, line.payments_fen) == (
        event.project_id,
        FIRST + SECOND,
        FIRST + SECOND + 1,
    )
    assert not line.ties_out and not reconciliation.ties_out


async def test_a_district_reconciles_only_its_own_schedules_and_finance_all_in_schedule_order(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    funding.harness.clock.advance(timedelta(hours=1))
    jinshui = await _scheduled_and_paid(funding, JINSHUI)
    funding.harness.clock.advance(timedelta(hours=-2))  # Erqi's schedule is older, though made second
    erqi = await _scheduled_and_paid(funding, "zz-erqi")
    assert [b.project_id for b in (await funding.reconciliation(district("zz-erqi"))).property_subsidy] == [
        erqi.project_id
    ]
    every = (await funding.reconciliation(FINANCE)).property_subsidy
    assert [(b.project_id, b.payments_fen, b.journal_paid_fen, b.ties_out) for b in every] == [
        (erqi.project_id, FIRST + SECOND, FIRST + SECOND, True),
        (jinshui.project_id, FIRST + SECOND, FIRST + SECOND, True),
    ]


async def test_district_and_programme_totals_carry_the_property_subsidy_and_tie_out(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    await _scheduled_and_paid(funding, JINSHUI)
    await _scheduled_and_paid(funding, "zz-erqi")
    by_district = {
        t.district_code: (t.property_subsidy_scheduled_fen, t.property_subsidy_paid_fen, t.awarded_fen)
        for t in await funding.totals(TotalsBy.DISTRICT)
    }
    assert by_district == {JINSHUI: (TOTAL, FIRST + SECOND, 0), "zz-erqi": (TOTAL, FIRST + SECOND, 0)}
    (programme,) = await funding.totals(TotalsBy.PROGRAMME)
    assert (
        programme.programme_code,
        programme.property_subsidy_scheduled_fen,
        programme.property_subsidy_paid_fen,
    ) == (
        PROGRAMME,
        2 * TOTAL,
        2 * (FIRST + SECOND),
    )
    check = await funding.harness.run(lambda s: totals.totals_check(s, FINANCE))
    assert (check.property_subsidy_scheduled_fen, check.property_subsidy_paid_fen) == (
        2 * TOTAL,
        2 * (FIRST + SECOND),
    )
    assert check.ties_out and check.problems == []
    own = await funding.totals(TotalsBy.DISTRICT, district("zz-erqi"))
    assert [(t.district_code, t.property_subsidy_scheduled_fen) for t in own] == [("zz-erqi", TOTAL)]


async def test_the_workbook_shows_the_property_subsidy_in_yuan_with_chinese_names(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    await _scheduled_and_paid(funding)
    content = await funding.harness.run(lambda s: exports.funding_workbook(s, FINANCE))
    book = load_workbook(io.BytesIO(content))
    (header, row) = [[c.value for c in r] for r in book["汇总"].iter_rows()]
    assert header[5:] == ["物业服务补贴计划（元）", "物业服务补贴已付（元）"]
    assert [Decimal(str(v)) for v in row[5:]] == [Decimal("10800.54"), Decimal("400.02")]
    ledger = [[c.value for c in r] for r in book["资金流水"].iter_rows(min_row=2)]
    assert [(r[4], r[5], r[6], Decimal(str(r[7]))) for r in ledger] == [
        ("物业服务补贴计划", "物业服务补贴支出", "应付物业服务补贴", Decimal("10800.54")),
        ("物业服务补贴拨付", "应付物业服务补贴", "区级财政资金", Decimal("300.02")),
        ("物业服务补贴拨付", "应付物业服务补贴", "区级财政资金", Decimal("100.00")),
    ]
