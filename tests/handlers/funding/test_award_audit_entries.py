"""What the audit trail says when an audited figure reaches an award: the record it names and the
figures before and after (survivors of `scripts/mutation.py handlers` on funding's awards)."""

from __future__ import annotations

import json

import pytest

from services.funding.models import Award
from shared.audit import AuditEntry
from shared.errors import Forbidden, InvalidState
from shared.policy import AwardBasis
from tests.handlers.funding.world import AUDITED, accepted, audited, department, start_funding
from tests.unit.funding.profiles import lookup, paying_on


async def _entry(funding, action: str) -> AuditEntry:  # type: ignore[no-untyped-def]
    (entry,) = [e for e in await funding.harness.all(AuditEntry) if e.action == action]
    return entry


async def test_an_audit_the_programme_does_not_true_up_is_noted_on_the_award_with_its_figure(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(
        harness_for, lookup(paying_on(AwardBasis.ACCEPTED_INVESTMENT, true_up=False))
    )
    event, award = await funding.accepted_and_approved()
    await funding.harness.deliver(audited(event))
    entry = await _entry(funding, "award.audit_noted")
    assert (entry.record_type, entry.record_id) == ("award", str(award.id))
    assert json.loads(entry.after) == {
        "audited_investment_fen": AUDITED,
        "reason": "the programme does not true up the award on the audit",
    }


async def test_a_rebased_proposal_keeps_the_audited_figure_and_records_both_bases(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = accepted()
    await funding.harness.deliver(event)
    proposed = await funding.award_of(event.project_id)
    await funding.harness.deliver(audited(event))
    (stored,) = await funding.harness.all(Award)
    assert stored.audited_investment_fen == AUDITED
    entry = await _entry(funding, "award.rebased")
    assert (entry.record_type, entry.record_id) == ("award", str(proposed.id))
    assert json.loads(entry.before) == {
        "basis": proposed.basis,
        "basis_fen": proposed.basis_fen,
        "amount_fen": proposed.amount_fen,
    }
    assert json.loads(entry.after) == {
        "basis": AwardBasis.AUDITED_INVESTMENT,
        "basis_fen": AUDITED,
        "amount_fen": stored.amount_fen,
    }


async def test_a_second_approval_names_the_status_field_and_rule_and_the_first_is_audited(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = accepted()
    await funding.harness.deliver(event)
    proposed = await funding.award_of(event.project_id)
    await funding.approve(proposed.id)
    with pytest.raises(InvalidState) as refused:
        await funding.approve(proposed.id)
    (problem,) = refused.value.errors
    assert (problem.field, problem.rule, problem.message) == (
        "status",
        "must_be_proposed",
        "current status: approved",
    )
    entry = await _entry(funding, "award.approved")
    assert (entry.record_type, entry.record_id) == ("award", str(proposed.id))
    assert (json.loads(entry.before), json.loads(entry.after)) == (
        {"status": "proposed"},
        {"status": "approved"},
    )


async def test_a_refused_approver_is_told_who_approves(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = accepted()
    await funding.harness.deliver(event)
    award = await funding.award_of(event.project_id)
    with pytest.raises(Forbidden, match="^only the department the programme names approves its award$"):
        await funding.approve(award.id, department("housing"))
