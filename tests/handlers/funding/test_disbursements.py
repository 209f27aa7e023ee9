"""Tranches by the profile's paying department against an approved award: never above what is
awarded; corrections are reversal entries; the journal derives every figure and ties out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from services.funding.models import JournalEntry, Tranche, TrancheCreate
from services.funding.models.totals import TotalsBy
from shared.errors import Forbidden, InvalidState, NotFound, RuleViolation
from tests.handlers.funding.world import accepted, audited, department, district, start_funding
from tests.unit.funding.profiles import lookup, with_award

DISBURSED = "funding.subsidy.disbursed.v1"


async def test_tranches_are_paid_up_to_the_award_and_no_further(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event, award = await funding.accepted_and_approved()  # 19 200 000 fen
    await funding.pay(award.id, 10_000_000)
    await funding.pay(award.id, 9_199_999)
    with pytest.raises(RuleViolation) as refused:
        await funding.pay(award.id, 2)
    assert refused.value.errors[0].rule == "exceeds_outstanding"
    await funding.pay(award.id, 1)
    sheet = await funding.sheet(event.project_id)
    assert (sheet.awarded_fen, sheet.paid_fen, sheet.outstanding_fen) == (19_200_000, 19_200_000, 0)
    published = [e for e in await funding.harness.outbox() if e.type == DISBURSED]
    assert [(e.data["amount_fen"], e.data["paid_fen"]) for e in published] == [
        (10_000_000, 10_000_000),
        (9_199_999, 19_199_999),
        (1, 19_200_000),
    ]


async def test_a_proposed_award_cannot_be_paid(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = accepted()
    await funding.harness.deliver(event)
    with pytest.raises(InvalidState):
        await funding.pay((await funding.award_of(event.project_id)).id, 1)


async def test_only_the_profiles_payer_pays(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for, lookup(with_award(payer_department="housing")))
    _, award = await funding.accepted_and_approved()  # the approver stays finance
    with pytest.raises(Forbidden):
        await funding.pay(award.id, 1)
    await funding.pay(award.id, 1, actor=department("housing"))
    with pytest.raises(NotFound):
        await funding.pay(award.id, 1, actor=district("zz-erqi"))


async def test_a_payment_dated_in_the_future_or_before_approval_is_refused(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    _, award = await funding.accepted_and_approved()  # approved 2026-11-20 10:00 Shanghai
    with pytest.raises(RuleViolation) as future:
        await funding.pay(award.id, 1, paid_on=date(2026, 11, 21))
    assert future.value.errors[0].rule == "not_in_future"
    with pytest.raises(RuleViolation) as early:
        await funding.pay(award.id, 1, paid_on=date(2026, 11, 19))
    assert early.value.errors[0].rule == "not_before_approval"


@pytest.mark.parametrize("amount", [0, -1, "100", 100.0, 10**13 + 1])
def test_a_tranche_amount_is_strict_positive_integer_fen(amount: object) -> None:
    with pytest.raises(ValidationError):
        TrancheCreate.model_validate({"amount_fen": amount, "paid_on": "2026-11-20"})


def test_a_tranche_body_refuses_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        TrancheCreate.model_validate({"amount_fen": 1, "paid_on": "2026-11-20", "amout": 2})


async def test_a_reversal_restores_what_is_outstanding_and_cannot_repeat(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event, award = await funding.accepted_and_approved()
    paid = await funding.pay(award.id, 19_200_000)
    reversal = await funding.reverse(paid.id)
    assert (reversal.kind, reversal.reverses_id, reversal.amount_fen) == ("reversal", paid.id, 19_200_000)
    with pytest.raises(InvalidState):
        await funding.reverse(paid.id)
    with pytest.raises(RuleViolation):
        await funding.reverse(reversal.id)
    sheet = await funding.sheet(event.project_id)
    assert (sheet.paid_fen, sheet.outstanding_fen) == (0, 19_200_000)
    assert len(await funding.harness.all(Tranche)) == 2  # the payment stays on record


async def test_the_journal_ties_out_after_approval_true_up_tranches_and_reversal(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event, award = await funding.accepted_and_approved()
    paid = await funding.pay(award.id, 5_000_000)
    await funding.pay(award.id, 14_200_000)
    await funding.reverse(paid.id)
    await funding.harness.deliver(audited(event))  # −1 200 000
    entries = await funding.harness.all(JournalEntry)
    assert (
        sum(e.amount_fen for e in entries if e.debit_account == "award_expense")
        - sum(e.amount_fen for e in entries if e.credit_account == "award_expense")
        == 18_000_000
    )
    report = await funding.reconciliation()
    assert report.ties_out
    (project,) = report.projects
    assert (project.awarded_fen, project.paid_fen, project.outstanding_fen, project.overpaid) == (
        18_000_000,
        14_200_000,
        3_800_000,
        False,
    )


async def test_a_negative_true_up_after_full_payment_shows_an_overpayment_that_ties_out(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event, award = await funding.accepted_and_approved()
    await funding.pay(award.id, 19_200_000)
    await funding.harness.deliver(audited(event))
    (project,) = (await funding.reconciliation()).projects
    assert (project.outstanding_fen, project.overpaid, project.ties_out) == (-1_200_000, True, True)
    with pytest.raises(RuleViolation):
        await funding.pay(award.id, 1)


async def test_the_funding_sheet_is_read_only_by_those_who_see_the_district(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event, _ = await funding.accepted_and_approved()
    assert (await funding.sheet(event.project_id, district())).award is not None
    with pytest.raises(NotFound):
        await funding.sheet(event.project_id, district("zz-erqi"))


@pytest.mark.parametrize(
    "statement",
    ["UPDATE journal_entry SET amount_fen = 1", "DELETE FROM journal_entry", "DELETE FROM disbursement"],
)
async def test_the_journal_and_tranches_refuse_edits_at_the_database(harness_for, statement) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    _, award = await funding.accepted_and_approved()
    await funding.pay(award.id, 1)
    with pytest.raises(Exception, match="append-only"):
        await funding.harness.run(lambda s: s.exec(text(statement)))
    assert len(await funding.harness.all(JournalEntry)) == 2


async def test_a_partly_paid_award_lists_how_long_it_has_been_outstanding(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    _, award = await funding.accepted_and_approved()
    await funding.pay(award.id, 1)
    funding.harness.clock.advance(timedelta(days=30))
    (project,) = (await funding.reconciliation()).projects
    assert project.days_outstanding == 30
    await funding.pay(award.id, 19_199_999)
    (project,) = (await funding.reconciliation()).projects
    assert project.days_outstanding is None


async def test_totals_per_district_and_programme_come_from_the_journal(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    _, first = await funding.accepted_and_approved()
    await funding.accepted_and_approved(district_code="zz-erqi")
    event, _ = await funding.accepted_and_approved()
    await funding.pay(first.id, 1_000_000)
    await funding.harness.deliver(audited(event))  # −1 200 000 on the third
    by_district = {t.district_code: t for t in await funding.totals()}
    assert (by_district["zz-jinshui"].approved_awards, by_district["zz-jinshui"].awarded_fen) == (
        2,
        19_200_000 + 18_000_000,
    )
    assert (by_district["zz-jinshui"].paid_fen, by_district["zz-jinshui"].outstanding_fen) == (
        1_000_000,
        36_200_000,
    )
    assert by_district["zz-erqi"].awarded_fen == 19_200_000
    (programme,) = await funding.totals(TotalsBy.PROGRAMME)
    assert (programme.programme_code, programme.awarded_fen) == ("zhengzhou-2019", 56_400_000)
    assert [t.district_code for t in await funding.totals(actor=district())] == ["zz-jinshui"]
