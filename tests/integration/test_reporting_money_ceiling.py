"""Three projects at the money ceiling: reporting's rollup equals funding's figures to the fen.

Issue 7 item 5: three accepted projects at investment 2**63-1 made reporting dead-letter an
approval and its rollup disagree with funding's. Money is now bounded at 10**13 fen per amount and
summed in BIGINT with checks, so the sums stay exact and agree.
"""

from __future__ import annotations

from shared.contracts.topics import REGISTRY_EVENTS
from shared.types import MONEY_CEILING_FEN
from tests.support.events import project_accepted
from tests.support.flows import approve_award
from tests.support.kafka_io import produce_raw
from tests.support.servers import eventually


async def test_three_accepted_projects_at_the_ceiling_roll_up_to_funding_s_approved_total(platform) -> None:  # type: ignore[no-untyped-def]
    funding = await platform.start("funding")
    reporting = await platform.start("reporting")
    events = [
        project_accepted(investment_fen=MONEY_CEILING_FEN, audited_investment_fen=MONEY_CEILING_FEN)
        for _ in range(3)
    ]
    for event in events:
        await produce_raw(
            platform.kafka.bootstrap_servers,
            platform.topic(REGISTRY_EVENTS),
            [event.to_bytes()],
            key=str(event.data["project_id"]).encode(),
        )

    async def proposed():  # type: ignore[no-untyped-def]
        awards = (await funding.get("/awards")).json()
        return len(awards) == 3 and awards

    await eventually(proposed)
    approved = [await approve_award(funding, str(e.data["project_id"])) for e in events]
    funding_total = sum(a["amount_fen"] for a in approved)
    assert funding_total > 2**40  # far beyond what a float keeps exact in the last fen

    async def rolled_up():  # type: ignore[no-untyped-def]
        body = (await reporting.get("/rollups/districts/zz-jinshui")).json()
        return body.get("approved_awards") == 3 and body

    rollup = await eventually(rolled_up)
    assert rollup["approved_award_fen"] == funding_total
    assert rollup["accepted_projects"] == 3
    assert rollup["accepted_investment_fen"] == 3 * MONEY_CEILING_FEN
