"""Awards, pinned where mutants survived: the true-up's event and audit entry, one audit event id
applied once even when replayed past the inbox, an audit arriving before any award (noted, or an
award proposed on the audited figure where the programme pays on it), an audit of a project that
earns no award, and who may read an award."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from services.funding.handlers import awards
from services.funding.models import Award, AwardAdjustment, NoAward
from shared.audit import AuditEntry
from shared.bus.subscriptions import ReceivedEvent
from shared.contracts.envelope import CloudEvent
from shared.errors import InvalidState, NotFound
from shared.policy import AwardBasis
from tests.handlers.funding.world import AUDITED, FINANCE, JINSHUI, accepted, audited, district, start_funding
from tests.unit.funding.profiles import lookup, paying_on


async def _entries(funding: Any, action: str) -> list[AuditEntry]:
    return [e for e in await funding.harness.all(AuditEntry) if e.action == action]


async def test_the_true_up_announces_the_audit_day_and_audits_both_amounts(harness_for) -> None:  # type: ignore[no-untyped-def]
    """40% of the accepted 480 000.00 = 192 000.00 approved; 40% of the audited 450 000.01 =
    180 000.004, 180 000.00: −12 000.00."""
    funding = await start_funding(harness_for)
    event, award = await funding.accepted_and_approved()
    await funding.harness.deliver(audited(event))
    (adjusted,) = [e.data for e in await funding.harness.outbox() if e.type == "funding.subsidy.adjusted.v1"]
    assert adjusted["audited_on"] == "2026-11-19"
    assert (adjusted["audited_investment_fen"], adjusted["previous_amount_fen"]) == (AUDITED, 19_200_000)
    (entry,) = await _entries(funding, "award.trued_up")
    assert (entry.record_type, entry.record_id, entry.actor_subject) == (
        "award",
        str(award.id),
        "system:funding",
    )
    assert json.loads(entry.before) == {"amount_fen": 19_200_000}
    assert json.loads(entry.after) == {"amount_fen": 18_000_000, "adjustment_fen": -1_200_000}


async def test_one_audit_event_replayed_past_the_inbox_adjusts_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event, _ = await funding.accepted_and_approved()
    payload = audited(event)
    received = ReceivedEvent(
        CloudEvent.wrap(payload, event_id="audit-1"), payload, funding.harness.clock.now()
    )
    for _ in range(2):
        await funding.harness.run(lambda s: awards.true_up_on_audit(s, received, funding.profiles))
    assert [a.adjustment_fen for a in await funding.harness.all(AwardAdjustment)] == [-1_200_000]


async def test_an_audit_before_any_award_is_noted_where_the_programme_pays_on_acceptance(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Zhengzhou pays on the accepted investment: an audit arriving first proposes nothing."""
    funding = await start_funding(harness_for)
    project = accepted()
    await funding.harness.deliver(audited(project))
    assert await funding.harness.all(Award) == []
    (entry,) = await _entries(funding, "award.audit_noted")
    assert (entry.record_type, entry.record_id, entry.actor_subject) == (
        "project",
        str(project.project_id),
        "system:funding",
    )
    assert json.loads(entry.after) == {
        "audited_investment_fen": AUDITED,
        "reason": "no award proposed for the project yet",
    }


async def test_an_audit_of_a_project_that_earns_no_award_changes_nothing(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    gongyi = accepted(district_code="zz-gongyi")  # self-funded under the plan
    await funding.harness.deliver(gongyi)
    await funding.harness.deliver(audited(gongyi))
    assert await funding.harness.all(Award) == []
    assert await _entries(funding, "award.audit_noted") == []


async def test_where_the_programme_pays_on_the_audit_an_early_audit_proposes_the_award(harness_for) -> None:  # type: ignore[no-untyped-def]
    """40% of the audited 450 000.01 = 180 000.004: 18 000 000 fen, on the audited basis; a
    district outside the award area gets none, noted."""
    funding = await start_funding(
        harness_for, lookup(paying_on(AwardBasis.AUDITED_INVESTMENT, true_up=False))
    )
    project = accepted()
    await funding.harness.deliver(audited(project))
    award = await funding.award_of(project.project_id)
    assert (award.basis, award.basis_fen, award.amount_fen) == (
        AwardBasis.AUDITED_INVESTMENT,
        AUDITED,
        18_000_000,
    )
    assert (award.audited_investment_fen, award.status) == (AUDITED, "proposed")

    outside = accepted(district_code="zz-gongyi")
    await funding.harness.deliver(audited(outside))
    assert [a.project_id for a in await funding.harness.all(Award)] == [project.project_id]
    (entry,) = await _entries(funding, "award.audit_noted")
    assert entry.record_id == str(outside.project_id)


async def test_an_award_is_read_by_those_who_see_its_district(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    _, award = await funding.accepted_and_approved()

    async def read(actor: Any, award_id: uuid.UUID = award.id) -> Any:
        return await funding.harness.run(lambda s: awards.get_award(s, actor, award_id))

    assert (await read(FINANCE)).id == award.id
    assert (await read(district(JINSHUI))).amount_fen == 19_200_000
    with pytest.raises(NotFound):
        await read(district("zz-erqi"))
    unknown = uuid.UUID(int=8)
    with pytest.raises(NotFound) as missing:
        await read(FINANCE, unknown)
    assert str(unknown) in str(missing.value)


async def test_approving_an_unknown_or_approved_award_is_refused_in_words(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    _, award = await funding.accepted_and_approved()
    with pytest.raises(InvalidState) as again:
        await funding.approve(award.id)
    assert str(again.value) == f"award {award.id} is approved, not proposed"
    unknown = uuid.UUID(int=6)
    with pytest.raises(NotFound) as missing:
        await funding.approve(unknown)
    assert str(unknown) in str(missing.value)


async def test_a_proposal_is_audited_with_its_project_amount_and_basis(harness_for) -> None:  # type: ignore[no-untyped-def]
    """40% of the accepted 480 000.00: 19 200 000 fen."""
    funding = await start_funding(harness_for)
    project = accepted()
    await funding.harness.deliver(project)
    award = await funding.award_of(project.project_id)
    (entry,) = await _entries(funding, "award.proposed")
    assert (entry.record_type, entry.record_id) == ("award", str(award.id))
    assert json.loads(entry.after) == {
        "project_id": str(project.project_id),
        "amount_fen": 19_200_000,
        "basis": "accepted_investment",
    }


async def test_an_acceptance_under_an_unknown_programme_names_it_in_the_no_award_row(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    project = accepted(programme_code="nowhere-2030")
    await funding.harness.deliver(project)
    (row,) = await funding.harness.all(NoAward)
    assert (row.reason, row.detail) == ("unknown_programme", "no programme profile 'nowhere-2030'")


async def test_an_acceptance_where_the_programme_pays_on_the_audit_waits_for_it_on_record(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(
        harness_for, lookup(paying_on(AwardBasis.AUDITED_INVESTMENT, true_up=False))
    )
    project = accepted()
    await funding.harness.deliver(project)
    assert await funding.harness.all(Award) == []
    (entry,) = await _entries(funding, "award.awaiting_audit")
    assert (entry.record_type, entry.record_id) == ("project", str(project.project_id))
    assert json.loads(entry.after) == {
        "reason": "zhengzhou-2019 pays on the audited investment; the award waits for the audit"
    }


async def test_an_acceptance_that_already_knows_the_audited_figure_keeps_it_on_the_award(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Zhengzhou trues up on the audit, so a known audited figure is the basis: 40% of 450 000.01
    = 180 000.004, 18 000 000 fen."""
    funding = await start_funding(harness_for)
    project = accepted(audited_investment_fen=AUDITED)
    await funding.harness.deliver(project)
    award = await funding.award_of(project.project_id)
    assert (award.basis, award.amount_fen, award.audited_investment_fen) == (
        AwardBasis.AUDITED_INVESTMENT,
        18_000_000,
        AUDITED,
    )
