"""FinalAccountsAudited: a proposed award is re-based on the audited figure; an approved one is
trued up by SubsidyAdjusted with the signed difference, to the fen, never an edit of the approval."""

from __future__ import annotations

from services.funding.models import Award, AwardAdjustment, JournalEntry
from shared.contracts.envelope import CloudEvent
from shared.policy import AwardBasis
from tests.handlers.funding.world import AUDITED, accepted, audited, start_funding
from tests.unit.funding.profiles import lookup, paying_on

ADJUSTED = "funding.subsidy.adjusted.v1"


async def test_an_approved_award_is_trued_up_by_the_signed_difference(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event, award = await funding.accepted_and_approved()
    await funding.harness.deliver(audited(event))  # 450 000.01 yuan audited vs 480 000.00 accepted
    (adjustment,) = await funding.harness.all(AwardAdjustment)
    # 40% × 45 000 001 fen = 18 000 000.4 → 18 000 000; approved 19 200 000
    assert (adjustment.previous_amount_fen, adjustment.new_amount_fen, adjustment.adjustment_fen) == (
        19_200_000,
        18_000_000,
        -1_200_000,
    )
    (stored,) = await funding.harness.all(Award)
    assert (stored.amount_fen, stored.basis_fen) == (19_200_000, award.basis_fen)  # the approval stands
    assert stored.audited_investment_fen == AUDITED
    published = await funding.harness.outbox()
    assert [e.type for e in published] == ["funding.subsidy.approved.v1", ADJUSTED]
    assert published[1].data["adjustment_fen"] == -1_200_000
    assert published[1].data["new_amount_fen"] == 18_000_000
    sheet = await funding.sheet(event.project_id)
    assert (sheet.awarded_fen, sheet.outstanding_fen) == (18_000_000, 18_000_000)
    postings = [
        (p.debit_account, p.credit_account, p.amount_fen) for p in await funding.harness.all(JournalEntry)
    ]
    assert postings[1] == ("award_payable", "award_expense", 1_200_000)


async def test_a_higher_audit_owes_the_district_more(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event, _ = await funding.accepted_and_approved()
    await funding.harness.deliver(audited(event, 500_000_03))  # 40% = 20 000 001.2 → 20 000 001
    (adjustment,) = await funding.harness.all(AwardAdjustment)
    assert adjustment.adjustment_fen == 20_000_001 - 19_200_000


async def test_a_second_audit_trues_up_against_the_award_as_adjusted(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event, _ = await funding.accepted_and_approved()
    await funding.harness.deliver(audited(event, 450_000_00))
    await funding.harness.deliver(audited(event, 460_000_00))
    adjustments = sorted(await funding.harness.all(AwardAdjustment), key=lambda a: a.previous_amount_fen)
    assert [(a.previous_amount_fen, a.adjustment_fen) for a in adjustments] == [
        (18_000_000, 400_000),
        (19_200_000, -1_200_000),
    ]
    assert (await funding.sheet(event.project_id)).awarded_fen == 18_400_000


async def test_a_redelivered_audit_adjusts_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event, _ = await funding.accepted_and_approved()
    assert await funding.harness.deliver(audited(event), event_id="audit-1") == "handled"
    envelope = CloudEvent.wrap(audited(event), event_id="audit-1")
    assert await funding.harness.redeliver(envelope) == "duplicate"
    assert len(await funding.harness.all(AwardAdjustment)) == 1
    assert (await funding.harness.outbox_types()).count(ADJUSTED) == 1


async def test_an_audit_of_a_proposed_award_re_bases_the_proposal_without_an_event(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = accepted()
    await funding.harness.deliver(event)
    await funding.harness.deliver(audited(event))
    award = await funding.award_of(event.project_id)
    assert (award.basis, award.basis_fen, award.amount_fen) == (
        AwardBasis.AUDITED_INVESTMENT,
        AUDITED,
        18_000_000,
    )
    assert await funding.harness.all(AwardAdjustment) == []
    assert await funding.harness.outbox() == []
    assert await funding.harness.audit_actions() == ["award.proposed", "award.rebased"]
    approved = await funding.approve(award.id)
    assert approved.amount_fen == 18_000_000


async def test_a_profile_that_does_not_true_up_keeps_the_approved_award(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(
        harness_for, lookup(paying_on(AwardBasis.ACCEPTED_INVESTMENT, true_up=False))
    )
    event, _ = await funding.accepted_and_approved()
    await funding.harness.deliver(audited(event))
    assert await funding.harness.all(AwardAdjustment) == []
    assert (await funding.harness.audit_actions())[-1] == "award.audit_noted"


async def test_a_profile_paying_on_the_audit_proposes_when_it_arrives(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(
        harness_for, lookup(paying_on(AwardBasis.AUDITED_INVESTMENT, true_up=False))
    )
    event = accepted()
    await funding.harness.deliver(event)
    await funding.harness.deliver(audited(event))
    award = await funding.award_of(event.project_id)
    assert (award.basis, award.amount_fen) == (AwardBasis.AUDITED_INVESTMENT, 18_000_000)


async def test_an_audit_of_a_self_funded_project_changes_nothing(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = accepted(district_code="zz-gongyi")
    await funding.harness.deliver(event)
    await funding.harness.deliver(audited(event))
    assert await funding.harness.all(Award) == [] and await funding.harness.outbox() == []
