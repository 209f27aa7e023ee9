"""The reconciliation and the totals check, pinned where mutants survived: each award is checked
against its own adjustments and tranches only; lines come in approval order and a district sees
its own; a row recorded beside the journal is named in words; the overpaid and days-outstanding
boundaries; the property-subsidy arrears per district in schedule order; the totals check on an
empty journal and on a posting of no award."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert

from services.funding.domain import journal
from services.funding.domain.journal import Movement
from services.funding.handlers import property_subsidy as subsidy_handlers
from services.funding.handlers import totals
from services.funding.models import AwardAdjustment, Tranche, TrancheKind
from services.funding.models.property_subsidy import ScheduleCreate
from tests.handlers.funding.world import (
    FINANCE,
    JINSHUI,
    accepted,
    audited,
    district,
    start_funding,
    taken_over,
)

ERQI = "zz-erqi"
# world.accepted: 480 000 00 fen accepted → 40% = 19 200 000; audited 450 000 01 → 18 000 000.4 → 18 000 000
AWARD, TRUED_UP = 19_200_000, 18_000_000


async def _two_awards(funding: Any) -> tuple[Any, Any]:
    """Jinshui's award (paid 10 000 000, then trued down) approved an hour after Erqi's (paid
    5 000 000, reversed, then 1 000 000): approval order is not insertion order."""
    jinshui_event = accepted()
    erqi_event = accepted(district_code=ERQI)
    await funding.harness.deliver(jinshui_event)
    await funding.harness.deliver(erqi_event)
    erqi = await funding.approve((await funding.award_of(erqi_event.project_id)).id)
    funding.harness.clock.advance(timedelta(hours=1))
    jinshui = await funding.approve((await funding.award_of(jinshui_event.project_id)).id)
    await funding.pay(jinshui.id, 10_000_000)
    await funding.harness.deliver(audited(jinshui_event))
    wrong = await funding.pay(erqi.id, 5_000_000)
    await funding.reverse(wrong.id)
    await funding.pay(erqi.id, 1_000_000)
    return jinshui, erqi


async def test_each_award_ties_out_against_its_own_rows_in_approval_order(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    jinshui, erqi = await _two_awards(funding)
    reconciliation = await funding.reconciliation()
    lines = [
        (p.project_id, p.awarded_fen, p.paid_fen, p.outstanding_fen, p.ties_out)
        for p in reconciliation.projects
    ]
    assert lines == [
        (erqi.project_id, AWARD, 1_000_000, AWARD - 1_000_000, True),
        (jinshui.project_id, TRUED_UP, 10_000_000, TRUED_UP - 10_000_000, True),
    ]
    assert [p.approved_at for p in reconciliation.projects] == [erqi.approved_at, jinshui.approved_at]
    assert [p.problems for p in reconciliation.projects] == [[], []] and reconciliation.ties_out
    own = await funding.reconciliation(district(ERQI))
    assert [p.project_id for p in own.projects] == [erqi.project_id]


async def test_rows_recorded_beside_the_journal_are_named(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    jinshui, erqi = await _two_awards(funding)
    now = funding.harness.clock.now()

    async def record_beside_the_journal(session: Any) -> None:
        await session.exec(
            insert(Tranche).values(
                id=uuid.uuid4(),
                award_id=erqi.id,
                project_id=erqi.project_id,
                district_code=ERQI,
                kind=TrancheKind.PAYMENT,
                amount_fen=7,
                paid_on=date(2026, 11, 20),
                recorded_by="finance",
                recorded_at=now,
            )
        )
        await session.exec(
            insert(AwardAdjustment).values(
                id=uuid.uuid4(),
                award_id=jinshui.id,
                project_id=jinshui.project_id,
                district_code=JINSHUI,
                audited_investment_fen=1,
                previous_amount_fen=TRUED_UP,
                new_amount_fen=TRUED_UP + 3,
                adjustment_fen=3,
                source_event_id="beside",
                adjusted_at=now,
            )
        )

    await funding.harness.run(record_beside_the_journal)
    reconciliation = await funding.reconciliation()
    problems = {p.project_id: p.problems for p in reconciliation.projects}
    assert problems == {
        erqi.project_id: ["paid 1000000 ≠ tranches 6000007 − reversals 5000000"],
        jinshui.project_id: [f"awarded {TRUED_UP} ≠ approved {AWARD} + adjustments {TRUED_UP - AWARD + 3}"],
    }
    assert not reconciliation.ties_out


async def test_overpaid_only_below_zero_and_days_outstanding_only_while_owed(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event, award = await funding.accepted_and_approved()
    await funding.pay(award.id, AWARD - 1)
    funding.harness.clock.advance(timedelta(days=3))
    (line,) = (await funding.reconciliation()).projects
    assert (line.outstanding_fen, line.overpaid, line.days_outstanding) == (1, False, 3)
    await funding.pay(award.id, 1)
    (line,) = (await funding.reconciliation()).projects
    assert (line.outstanding_fen, line.overpaid, line.days_outstanding) == (0, False, None)
    await funding.harness.deliver(audited(event))  # trued down after full payment: overpaid
    (line,) = (await funding.reconciliation()).projects
    assert (line.outstanding_fen, line.overpaid, line.days_outstanding, line.ties_out) == (
        TRUED_UP - AWARD,
        True,
        None,
        True,
    )


async def test_the_sheet_lists_only_its_projects_postings_in_order(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    jinshui, erqi = await _two_awards(funding)
    sheet = await funding.sheet(jinshui.project_id)
    assert [(e.movement, e.amount_fen) for e in sheet.journal] == [
        (Movement.AWARD_APPROVED, AWARD),
        (Movement.TRANCHE_PAID, 10_000_000),
        (Movement.AWARD_ADJUSTED, AWARD - TRUED_UP),
    ]
    assert {e.project_id for e in (await funding.sheet(erqi.project_id)).journal} == {erqi.project_id}


async def test_arrears_per_district_in_the_order_schedules_were_made(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    made, body = [], ScheduleCreate(floor_area_m2="100")
    for district_code, hours in ((JINSHUI, 1), (ERQI, -1)):  # Erqi's is made first in time, second in rows
        taken = taken_over(district_code=district_code)
        await funding.harness.deliver(taken)
        funding.harness.clock.advance(timedelta(hours=hours))
        now = funding.harness.clock.now()
        await funding.harness.run(
            lambda s, t=taken, d=district_code, n=now: subsidy_handlers.create_schedule(
                s, district(d), t.project_id, body, n
            )
        )
        made.append(taken.project_id)
    now = funding.harness.clock.now()  # 2026-11-20: September and October have ended, unpaid
    every = await funding.harness.run(lambda s: subsidy_handlers.list_arrears(s, FINANCE, now))
    assert [(a.project_id, a.month) for a in every] == [
        (made[1], date(2026, 9, 1)),
        (made[1], date(2026, 10, 1)),
        (made[0], date(2026, 9, 1)),
        (made[0], date(2026, 10, 1)),
    ]
    own = await funding.harness.run(lambda s: subsidy_handlers.list_arrears(s, district(JINSHUI), now))
    assert {a.project_id for a in own} == {made[0]}


async def test_the_totals_check_of_an_empty_journal_is_zero_and_ties_out(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    check = await funding.harness.run(lambda s: totals.totals_check(s, FINANCE))
    figures = (
        check.awarded_fen,
        check.paid_fen,
        check.central_fen,
        check.property_subsidy_scheduled_fen,
        check.property_subsidy_paid_fen,
    )
    assert figures == (0, 0, 0, 0, 0) and check.ties_out and check.problems == []


async def test_the_totals_check_sums_paid_and_names_a_posting_no_award_explains(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    jinshui, erqi = await _two_awards(funding)
    check = await funding.harness.run(lambda s: totals.totals_check(s, FINANCE))
    assert (check.awarded_fen, check.paid_fen, check.ties_out) == (TRUED_UP + AWARD, 11_000_000, True)
    (five_fen,) = journal.tranche(5)
    await funding.post_by_hand(five_fen, uuid.uuid4(), JINSHUI)  # paid, but of no award
    check = await funding.harness.run(lambda s: totals.totals_check(s, FINANCE))
    assert check.paid_fen == 11_000_005 and not check.ties_out
    assert check.problems == [
        "paid_fen: the districts add up to 11000000, the journal to 11000005",
        "paid_fen: the programmes add up to 11000000, the journal to 11000005",
    ]
