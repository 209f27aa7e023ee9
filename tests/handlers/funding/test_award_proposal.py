"""On ProjectAccepted the award is proposed on the figure the profile's basis names, or a row
records why the project earns none. Planned, accepted and audited figures all differ here."""

from __future__ import annotations

from decimal import Decimal

from services.funding.domain.awards import AwardStatus, NoAwardReason
from services.funding.handlers import awards
from services.funding.models import Award, NoAward
from shared.policy import AwardBasis
from tests.handlers.funding.world import (
    ACCEPTED,
    AUDITED,
    FINANCE,
    PLANNED,
    accepted,
    district,
    start_funding,
)
from tests.unit.funding.profiles import lookup, paying_on, ratio


async def test_the_award_is_proposed_on_the_investment_stated_at_acceptance(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = accepted()
    await funding.harness.deliver(event)
    award = await funding.award_of(event.project_id)
    assert (award.basis, award.basis_fen, award.amount_fen) == (
        AwardBasis.ACCEPTED_INVESTMENT,
        ACCEPTED,
        19_200_000,  # 40% of 480 000.00 yuan
    )
    assert (award.planned_investment_fen, award.accepted_investment_fen) == (PLANNED, ACCEPTED)
    assert award.status == AwardStatus.PROPOSED
    assert award.proposed_at == funding.harness.clock.now()  # the service clock, not the wall clock
    assert await funding.harness.outbox_types() == []


async def test_an_acceptance_without_an_accepted_figure_proposes_on_the_planned_one(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = accepted(accepted_investment_fen=None)
    await funding.harness.deliver(event)
    assert (await funding.award_of(event.project_id)).basis_fen == PLANNED


async def test_an_audited_figure_carried_by_the_acceptance_is_the_basis(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = accepted(audited_investment_fen=AUDITED)
    await funding.harness.deliver(event)
    award = await funding.award_of(event.project_id)
    assert (award.basis, award.amount_fen) == (AwardBasis.AUDITED_INVESTMENT, 18_000_000)  # .4 fen down


async def test_a_test_profile_with_another_ratio_changes_the_award_without_code_edits(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for, lookup(ratio("0.25")))
    event = accepted()
    await funding.harness.deliver(event)
    award = await funding.award_of(event.project_id)
    assert (award.ratio, award.amount_fen) == (Decimal("0.25"), 12_000_000)


async def test_a_profile_paying_on_the_plan_proposes_on_the_planned_figure(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(
        harness_for, lookup(paying_on(AwardBasis.APPROVED_INVESTMENT, true_up=False))
    )
    event = accepted()
    await funding.harness.deliver(event)
    assert (await funding.award_of(event.project_id)).amount_fen == 20_000_000


async def test_a_profile_paying_on_the_audit_waits_for_it_and_says_so(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(
        harness_for, lookup(paying_on(AwardBasis.AUDITED_INVESTMENT, true_up=False))
    )
    await funding.harness.deliver(accepted())
    assert await funding.harness.all(Award) == []
    assert await funding.harness.audit_actions() == ["award.awaiting_audit"]


async def test_a_self_funded_area_gets_no_award_and_the_reason_is_queryable(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = accepted(district_code="zz-gongyi")
    await funding.harness.deliver(event)
    assert await funding.harness.all(Award) == []
    (row,) = await funding.harness.run(lambda s: awards.list_no_awards(s, FINANCE, event.project_id))
    assert row.reason == NoAwardReason.NOT_IN_AWARD_AREA and "self-funded" in row.detail
    # the district reads its own reason; another district does not see it
    mine = await funding.harness.run(lambda s: awards.list_no_awards(s, district("zz-gongyi"), None))
    theirs = await funding.harness.run(lambda s: awards.list_no_awards(s, district("zz-jinshui"), None))
    assert [r.project_id for r in mine] == [event.project_id] and theirs == []


async def test_a_programme_without_an_award_rule_records_why(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    await funding.harness.deliver(accepted(programme_code="zhengzhou-2018"))
    (row,) = await funding.harness.all(NoAward)
    assert row.reason == NoAwardReason.NO_AWARD_RULE


async def test_an_acceptance_redelivered_under_another_id_decides_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = accepted()
    assert await funding.harness.deliver(event) == "handled"
    assert await funding.harness.deliver(event) == "handled"  # a new envelope id: the inbox cannot tell
    assert len(await funding.harness.all(Award)) == 1
    self_funded = accepted(district_code="zz-gongyi")
    await funding.harness.deliver(self_funded)
    await funding.harness.deliver(self_funded)
    assert len(await funding.harness.all(NoAward)) == 1
