"""Central funds in the reconciliation and the totals (Kaifeng 三, 七(三)), pinned where mutants
survived: each project's share three ways (journal, approved lines, central-subsidy commitments)
with its own district, ordered by project id; a proposal not yet approved and other sources do not
count; a posting beside the allocation does not tie out; a district sees its own projects."""

from __future__ import annotations

from typing import Any

from services.funding.domain import journal
from services.funding.domain.sources import SourceEntryKind
from services.funding.handlers import central_funds as handlers
from services.funding.handlers import sources
from services.funding.models.central_funds import AllocationCreate
from services.funding.models.sources import SourceEntryCreate
from services.funding.models.totals import TotalsBy
from tests.handlers.funding.kaifeng import HOUSING, KAIFENG, LONGTING, register
from tests.handlers.funding.world import FINANCE, district, start_funding

SHUNHE = "kf-shunhe"
STEPS = ("approval", "design_review", "cost_review", "tender")


async def _approved_in_two_districts(funding: Any) -> dict[str, Any]:
    """Longting's and Shunhe's projects share an approved allocation; a second proposal waits."""
    harness = funding.harness
    longting = await register(harness, "龙亭小区", 5_000_000, steps=STEPS, completed=True)
    shunhe = await register(harness, "顺河小区", 3_000_000, steps=STEPS[:2], district_code=SHUNHE)
    now = harness.clock.now()
    body = AllocationCreate(
        programme_code=KAIFENG, amount_fen=2_000_001, listed_project_ids=[longting, shunhe]
    )
    proposal = await harness.run(lambda s: handlers.propose(s, HOUSING, body, now))
    approved = await harness.run(lambda s: handlers.approve(s, FINANCE, proposal.id, now))
    shares = {line.project_id: line.amount_fen for line in approved.lines if line.amount_fen > 0}
    waiting = AllocationCreate(
        programme_code=KAIFENG, amount_fen=500_000, listed_project_ids=[longting, shunhe]
    )
    await harness.run(lambda s: handlers.propose(s, HOUSING, waiting, now))
    residents = SourceEntryCreate(
        source_code="residents", kind=SourceEntryKind.COMMITMENT, amount_fen=700_000, dated_on="2020-01-02"
    )
    await harness.run(lambda s: sources.record_entry(s, district(LONGTING), longting, residents, now))
    return {"longting": longting, "shunhe": shunhe, "shares": shares}


async def test_each_share_ties_out_three_ways_with_its_district_in_project_order(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    world = await _approved_in_two_districts(funding)
    shares = world["shares"]
    assert set(shares) == {world["longting"], world["shunhe"]} and sum(shares.values()) == 2_000_001
    district_of = {world["longting"]: LONGTING, world["shunhe"]: SHUNHE}
    central = (await funding.reconciliation()).central
    assert [
        (c.project_id, c.district_code, c.journal_fen, c.allocated_fen, c.committed_fen, c.ties_out)
        for c in central
    ] == [
        (pid, district_of[pid], shares[pid], shares[pid], shares[pid], True)
        for pid in sorted(shares, key=str)
    ]
    own = (await funding.reconciliation(district(SHUNHE))).central
    assert [(c.project_id, c.district_code) for c in own] == [(world["shunhe"], SHUNHE)]


async def test_a_central_posting_beside_the_allocation_does_not_tie_out(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    world = await _approved_in_two_districts(funding)
    (one_fen,) = journal.central_allocation(1)
    await funding.post_by_hand(one_fen, world["longting"], LONGTING)
    reconciliation = await funding.reconciliation()
    line = next(c for c in reconciliation.central if c.project_id == world["longting"])
    share = world["shares"][world["longting"]]
    assert (line.journal_fen, line.allocated_fen, line.committed_fen, line.ties_out) == (
        share + 1,
        share,
        share,
        False,
    )
    assert not reconciliation.ties_out


async def test_central_totals_per_district_and_programme(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    world = await _approved_in_two_districts(funding)
    shares = world["shares"]
    by_district = {t.district_code: t.central_fen for t in await funding.totals(TotalsBy.DISTRICT)}
    assert by_district == {LONGTING: shares[world["longting"]], SHUNHE: shares[world["shunhe"]]}
    by_programme = {t.programme_code: t.central_fen for t in await funding.totals(TotalsBy.PROGRAMME)}
    assert by_programme == {KAIFENG: 2_000_001}
    own = await funding.totals(TotalsBy.DISTRICT, district(SHUNHE))
    assert [(t.district_code, t.central_fen) for t in own] == [(SHUNHE, shares[world["shunhe"]])]
