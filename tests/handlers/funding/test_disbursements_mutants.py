"""Tranches and their reversals, pinned where mutants survived: who may find a tranche to reverse
(an unknown one or another district's is not found; its own district sees it but does not pay),
what a reversal records, announces and audits, and the tranche listing's filters and order
(recorded first, then the day paid)."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from services.funding.handlers import disbursements
from services.funding.models import TrancheCreate
from shared.audit import AuditEntry
from shared.errors import Forbidden, NotFound
from tests.handlers.funding.world import FINANCE, JINSHUI, district, start_funding


async def _list(funding: Any, actor: Any = FINANCE, **filters: Any) -> list[Any]:
    return await funding.harness.run(lambda s: disbursements.list_tranches(s, actor, **filters))


async def test_a_tranche_to_reverse_is_found_only_by_those_who_see_its_district(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    _, award = await funding.accepted_and_approved()
    paid = await funding.pay(award.id, 1_000)
    unknown = uuid.UUID(int=9)
    with pytest.raises(NotFound) as missing:
        await funding.reverse(unknown)
    assert str(unknown) in str(missing.value)
    with pytest.raises(NotFound):
        await funding.reverse(paid.id, actor=district("zz-erqi"))
    with pytest.raises(Forbidden):  # Jinshui sees its tranche, but Finance pays and reverses
        await funding.reverse(paid.id, actor=district(JINSHUI))


async def test_a_reversal_keeps_its_reason_and_announces_and_audits_what_is_paid_after_it(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """19 200 000 awarded; 5 000 000 and 3 000 000 paid; the 3 000 000 reversed: 5 000 000 paid,
    14 200 000 outstanding."""
    funding = await start_funding(harness_for)
    _, award = await funding.accepted_and_approved()
    await funding.pay(award.id, 5_000_000)
    wrong = await funding.pay(award.id, 3_000_000)
    reversal = await funding.reverse(wrong.id)
    assert (reversal.reference, reversal.reverses_id, reversal.amount_fen) == (
        "paid to the wrong account",
        wrong.id,
        3_000_000,
    )
    (event,) = [e.data for e in await funding.harness.outbox() if e.type.endswith("disbursement_reversed.v1")]
    assert (event["tranche_id"], event["reverses_tranche_id"]) == (str(reversal.id), str(wrong.id))
    assert (event["amount_fen"], event["paid_fen"], event["outstanding_fen"]) == (
        3_000_000,
        5_000_000,
        14_200_000,
    )
    (entry,) = [e for e in await funding.harness.all(AuditEntry) if e.action == "award.tranche_reversed"]
    assert (entry.record_type, entry.record_id, entry.actor_org) == ("award", str(award.id), "finance")
    assert json.loads(entry.after) == {
        "tranche_id": str(reversal.id),
        "reverses_id": str(wrong.id),
        "reason": "paid to the wrong account",
    }


async def test_tranches_are_listed_per_award_project_and_district(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    first_event, first = await funding.accepted_and_approved()
    _, second = await funding.accepted_and_approved()
    erqi_event, erqi = await funding.accepted_and_approved(district_code="zz-erqi")
    one = await funding.pay(first.id, 1_000)
    two = await funding.pay(second.id, 2_000)
    three = await funding.pay(erqi.id, 3_000)
    assert [t.id for t in await _list(funding, award_id=first.id)] == [one.id]
    assert [t.id for t in await _list(funding, project_id=first_event.project_id)] == [one.id]
    assert [t.id for t in await _list(funding, project_id=erqi_event.project_id)] == [three.id]
    assert {t.id for t in await _list(funding)} == {one.id, two.id, three.id}
    assert {t.id for t in await _list(funding, district(JINSHUI))} == {one.id, two.id}
    assert [t.id for t in await _list(funding, district("zz-erqi"))] == [three.id]


async def test_tranches_are_listed_in_the_order_recorded_then_by_the_day_paid(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Approved on 20 November. Recorded first: the tranche dated the 22nd, then (a minute later)
    one dated the 21st; then two recorded at one instant, dated the 23rd and the 22nd."""
    funding = await start_funding(harness_for)
    _, award = await funding.accepted_and_approved()
    funding.harness.clock.advance(timedelta(days=3))
    first = await funding.pay(award.id, 1, paid_on=date(2026, 11, 22))
    funding.harness.clock.advance(timedelta(minutes=1))
    second = await funding.pay(award.id, 1, paid_on=date(2026, 11, 21))
    funding.harness.clock.advance(timedelta(minutes=1))
    later_day = await funding.pay(award.id, 1, paid_on=date(2026, 11, 23))
    earlier_day = await funding.pay(award.id, 1, paid_on=date(2026, 11, 22))
    assert [t.id for t in await _list(funding, award_id=award.id)] == [
        first.id,
        second.id,
        earlier_day.id,
        later_day.id,
    ]


async def test_paying_is_refused_in_words_to_a_district_that_sees_the_award_and_unknown_awards_are_not_found(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    _, award = await funding.accepted_and_approved()
    with pytest.raises(Forbidden) as refused:  # Jinshui sees its award; Finance pays it
        await funding.pay(award.id, 1, actor=district(JINSHUI))
    assert str(refused.value) == "only the department the programme names pays its award"
    unknown = uuid.UUID(int=10)
    with pytest.raises(NotFound) as missing:
        await funding.pay(unknown, 1)
    assert str(unknown) in str(missing.value)


async def test_a_tranche_keeps_its_reference_and_audits_what_was_paid_before_and_after(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    _, award = await funding.accepted_and_approved()
    await funding.pay(award.id, 1_000_000)
    body = TrancheCreate(amount_fen=2_000_000, paid_on=date(2026, 11, 20), reference="郑财拨〔2026〕18号")
    now = funding.harness.clock.now()
    tranche = await funding.harness.run(
        lambda s: disbursements.pay_tranche(s, FINANCE, award.id, body, now, funding.profiles)
    )
    assert tranche.reference == "郑财拨〔2026〕18号"
    entries = [e for e in await funding.harness.all(AuditEntry) if e.action == "award.tranche_paid"]
    assert [(e.record_type, e.record_id) for e in entries] == [("award", str(award.id))] * 2
    assert json.loads(entries[1].before) == {"paid_fen": 1_000_000}
    assert json.loads(entries[1].after) == {"paid_fen": 3_000_000, "tranche_id": str(tranche.id)}
