"""Approval by the department the profile names: once, with one SubsidyApproved and one journal
posting; anyone else is refused, and a test profile naming another approver moves the right."""

from __future__ import annotations

import pytest

from services.funding.domain.awards import AwardStatus
from services.funding.models import JournalEntry
from shared.errors import Forbidden, InvalidState, NotFound
from tests.handlers.funding.world import FINANCE, accepted, department, district, start_funding
from tests.unit.funding.profiles import lookup, with_award

APPROVED = "funding.subsidy.approved.v1"


async def test_the_approver_approves_once_with_one_event_and_one_posting(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = accepted()
    await funding.harness.deliver(event)
    proposed = await funding.award_of(event.project_id)
    approved = await funding.approve(proposed.id)
    assert (approved.status, approved.approved_by) == (AwardStatus.APPROVED, "finance")
    assert approved.approved_at == funding.harness.clock.now()
    with pytest.raises(InvalidState) as refused:
        await funding.approve(proposed.id)
    assert refused.value.current == AwardStatus.APPROVED
    (published,) = await funding.harness.outbox()
    assert published.type == APPROVED
    assert (published.data["amount_fen"], published.data["basis"]) == (19_200_000, "accepted_investment")
    (posting,) = await funding.harness.all(JournalEntry)
    assert (posting.debit_account, posting.credit_account, posting.amount_fen) == (
        "award_expense",
        "award_payable",
        19_200_000,
    )
    assert await funding.harness.audit_actions() == ["award.proposed", "award.approved"]


@pytest.mark.parametrize("caller", [department("housing"), district()], ids=["housing", "district"])
async def test_no_one_but_the_profiles_approver_may_approve(harness_for, caller) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = accepted()
    await funding.harness.deliver(event)
    award = await funding.award_of(event.project_id)
    with pytest.raises(Forbidden):
        await funding.approve(award.id, caller)
    assert await funding.harness.outbox() == []


async def test_a_profile_naming_another_approver_changes_who_approves(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for, lookup(with_award(approver_department="housing")))
    event = accepted()
    await funding.harness.deliver(event)
    award = await funding.award_of(event.project_id)
    with pytest.raises(Forbidden):
        await funding.approve(award.id, FINANCE)
    assert (await funding.approve(award.id, department("housing"))).approved_by == "housing"


async def test_another_districts_award_is_not_found(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = accepted()
    await funding.harness.deliver(event)
    award = await funding.award_of(event.project_id)
    with pytest.raises(NotFound):
        await funding.approve(award.id, district("zz-erqi"))
