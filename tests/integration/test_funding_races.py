"""Funding's commands under concurrency on PostgreSQL, over HTTP: one approval of N, a key replayed
without a second effect, 50 parallel tranches never paying more than the award, and amounts at
the money ceiling summed without overflow."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from shared.clock import shanghai_date, utcnow
from shared.contracts.topics import REGISTRY_EVENTS
from shared.types import MONEY_CEILING_FEN
from tests.support.db import scalar
from tests.support.events import project_accepted
from tests.support.kafka_io import produce_raw
from tests.support.servers import eventually

APPROVED = "funding.subsidy.approved.v1"
DISBURSED = "funding.subsidy.disbursed.v1"


async def _proposed(platform, funding: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Publish a ProjectAccepted on the registry topic; wait for funding's proposed award."""
    event = project_accepted(**fields)
    await produce_raw(
        platform.kafka.bootstrap_servers,
        platform.topic(REGISTRY_EVENTS),
        [event.to_bytes()],
        key=str(event.data["project_id"]).encode(),
    )

    async def award() -> list[dict[str, Any]]:
        return (await funding.get("/awards", params={"project_id": str(event.data["project_id"])})).json()

    (found,) = await eventually(award)
    return found  # type: ignore[no-any-return]


async def _events(platform, event_type: str) -> int:  # type: ignore[no-untyped-def]
    return await platform.announced("funding", event_type)  # type: ignore[no-any-return]


async def test_concurrent_approvals_give_one_success_and_one_event(platform) -> None:  # type: ignore[no-untyped-def]
    funding = await platform.start("funding")
    award = await _proposed(platform, funding)
    responses = await asyncio.gather(*(funding.post(f"/awards/{award['id']}/approval") for _ in range(10)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 9, [r.text for r in responses]
    conflict = next(r for r in responses if r.status_code == 409)
    assert conflict.headers["content-type"].startswith("application/problem+json")
    assert conflict.json()["current_state"] == "approved"
    assert await _events(platform, APPROVED) == 1


async def test_a_repeated_idempotency_key_replays_the_first_response_and_emits_nothing(platform) -> None:  # type: ignore[no-untyped-def]
    funding = await platform.start("funding")
    award = await _proposed(platform, funding)
    headers = {"Idempotency-Key": "approve-once-7f3a"}
    responses = await asyncio.gather(
        *(funding.post(f"/awards/{award['id']}/approval", headers=headers) for _ in range(5))
    )
    assert [r.status_code for r in responses] == [200] * 5, [r.text for r in responses]
    assert len({r.text for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 4
    again = await funding.post(f"/awards/{award['id']}/approval", headers=headers)
    assert (again.status_code, again.json()) == (200, responses[0].json())
    assert await _events(platform, APPROVED) == 1
    other = await funding.post(f"/awards/{award['id']}/approval", headers={"Idempotency-Key": "another"})
    assert other.status_code == 409  # a new key is a new request: the award is approved already


async def test_fifty_parallel_tranches_never_pay_more_than_the_award(platform) -> None:  # type: ignore[no-untyped-def]
    funding = await platform.start("funding")
    award = await _proposed(platform, funding)  # 40% × 500 000.00 yuan = 20 000 000 fen
    approved = await funding.post(f"/awards/{award['id']}/approval")
    assert approved.status_code == 200, approved.text
    tranche = {"amount_fen": 700_000, "paid_on": shanghai_date(utcnow()).isoformat()}
    responses = await asyncio.gather(
        *(funding.post(f"/awards/{award['id']}/tranches", json=tranche) for _ in range(50))
    )
    paid = [r for r in responses if r.status_code == 201]
    refused = [r for r in responses if r.status_code != 201]
    assert len(paid) == 20_000_000 // 700_000 == 28
    assert {r.status_code for r in refused} == {422}
    assert {r.json()["errors"][0]["rule"] for r in refused} == {"exceeds_outstanding"}
    sheet = (await funding.get(f"/projects/{award['project_id']}/funding")).json()
    assert (sheet["paid_fen"], sheet["outstanding_fen"]) == (28 * 700_000, 20_000_000 - 28 * 700_000)
    assert await _events(platform, DISBURSED) == 28
    reconciliation = (await funding.get("/reconciliation")).json()
    assert reconciliation["ties_out"] is True


async def test_three_awards_at_the_money_ceiling_sum_without_overflow(platform) -> None:  # type: ignore[no-untyped-def]
    funding = await platform.start("funding")
    awards = [
        await _proposed(
            platform, funding, investment_fen=MONEY_CEILING_FEN, audited_investment_fen=MONEY_CEILING_FEN
        )
        for _ in range(3)
    ]
    today = shanghai_date(utcnow()).isoformat()
    for award in awards:
        assert award["amount_fen"] == 4 * 10**12
        assert (await funding.post(f"/awards/{award['id']}/approval")).status_code == 200
        paid = await funding.post(
            f"/awards/{award['id']}/tranches", json={"amount_fen": 4 * 10**12, "paid_on": today}
        )
        assert paid.status_code == 201, paid.text
    reconciliation = (await funding.get("/reconciliation")).json()
    assert reconciliation["ties_out"] is True
    assert sum(p["paid_fen"] for p in reconciliation["projects"]) == 12 * 10**12
    (total,) = (await funding.get("/totals", params={"by": "district"})).json()
    assert (total["approved_awards"], total["awarded_fen"], total["paid_fen"], total["outstanding_fen"]) == (
        3,
        12 * 10**12,
        12 * 10**12,
        0,
    )
    url = platform.database_url("funding")
    assert int(await scalar(url, "SELECT sum(amount_fen) FROM award")) == 12 * 10**12
    assert int(await scalar(url, "SELECT sum(amount_fen) FROM journal_entry")) == 24 * 10**12


async def test_a_tranche_with_a_string_amount_is_refused_naming_the_field(platform) -> None:  # type: ignore[no-untyped-def]
    funding = await platform.start("funding")
    award = await _proposed(platform, funding)
    await funding.post(f"/awards/{award['id']}/approval")
    response = await funding.post(
        f"/awards/{award['id']}/tranches", json={"amount_fen": "100", "paid_on": "2026-01-01"}
    )
    assert response.status_code == 422
    assert "amount_fen" in response.text
