"""Central-fund allocation, pinned where mutants survived: each refusal in words (who may propose
or approve, an unknown or already approved allocation, a stale share), a share equal to the need
and a one-fen share both committed, the shortfall each commitment announces, the approval's audit
entry, one programme's proposal never superseding another's, the listing per programme, and what
a district sees of an allocation and of the candidates."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import pytest

from services.funding.domain.sources import SourceEntryKind
from services.funding.handlers import central_funds as handlers
from services.funding.handlers import sources
from services.funding.models.central_funds import AllocationCreate, AllocationStatus
from services.funding.models.sources import SourceEntry, SourceEntryCreate
from shared.audit import AuditEntry
from shared.contracts.registry import PlanApproved, PlanItem, PlanSubmitted, ProjectRegistered
from shared.errors import Forbidden, InvalidState, NotFound, RuleViolation
from shared.policy import get_profile
from tests.handlers.funding.kaifeng import HOUSING, KAIFENG, LONGTING, LONGTING_CLERK, register
from tests.handlers.funding.world import FINANCE, district, plan, start_funding
from tests.unit.funding.profiles import lookup

EVERY_STEP = ("approval", "design_review", "cost_review", "tender")
GULOU = "kf-gulou"
ZHENGZHOU = "zhengzhou-2019"
KAIFENG_2020 = "kaifeng-2020"
_KAIFENG = get_profile(KAIFENG)
assert _KAIFENG.funding is not None
PROFILES = lookup(
    _KAIFENG.model_copy(
        update={
            "code": KAIFENG_2020,
            "funding": _KAIFENG.funding.model_copy(update={"award": get_profile(ZHENGZHOU).funding.award}),  # type: ignore[union-attr]
        }
    )
)
"""Kaifeng's central-fund rule under a second code, with Zhengzhou's 40% city award besides: two
programmes that both allocate central funds, one whose projects also earn an award."""


async def _propose(
    funding: Any, listed: list[uuid.UUID], amount_fen: int, actor: Any = HOUSING, **kw: Any
) -> Any:
    programme = kw.pop("programme", KAIFENG)
    body = AllocationCreate(programme_code=programme, amount_fen=amount_fen, listed_project_ids=listed, **kw)
    now = funding.harness.clock.now()
    return await funding.harness.run(lambda s: handlers.propose(s, actor, body, now, PROFILES))


async def _approve(funding: Any, allocation_id: uuid.UUID, actor: Any = FINANCE) -> Any:
    now = funding.harness.clock.now()
    return await funding.harness.run(lambda s: handlers.approve(s, actor, allocation_id, now, PROFILES))


async def _commit_by_owners(
    funding: Any, project_id: uuid.UUID, amount_fen: int, kind: SourceEntryKind = SourceEntryKind.COMMITMENT
) -> None:
    """The residents commit `amount_fen` to the project (or, as a receipt, pay part of it)."""
    body = SourceEntryCreate(
        source_code="residents",
        kind=kind,
        amount_fen=amount_fen,
        dated_on=date(2020, 1, 2),
    )
    now = funding.harness.clock.now()
    await funding.harness.run(lambda s: sources.record_entry(s, LONGTING_CLERK, project_id, body, now))


async def _committed_events(funding: Any) -> list[dict[str, Any]]:
    """The commitments an approved allocation announced (not those recorded by a district)."""
    events = [e.data for e in await funding.harness.outbox() if e.type == "funding.source.committed.v1"]
    return [data for data in events if data.get("allocation_id")]


async def test_each_refusal_says_who_may_and_what_is_wrong(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    a = await register(funding.harness, "鼓楼街小区", 5_000_000, steps=EVERY_STEP, completed=True)
    with pytest.raises(Forbidden) as proposer:
        await _propose(funding, [a], 1_000, actor=FINANCE)
    assert (
        str(proposer.value) == "only the department the programme names proposes the central-fund allocation"
    )
    proposal = await _propose(funding, [a], 1_000)
    with pytest.raises(Forbidden) as approver:
        await _approve(funding, proposal.id, actor=HOUSING)
    assert (
        str(approver.value) == "only the department the programme names approves the central-fund allocation"
    )
    unknown = uuid.UUID(int=7)
    with pytest.raises(NotFound) as missing:
        await _approve(funding, unknown)
    assert str(unknown) in str(missing.value)
    with pytest.raises(NotFound) as missing:
        await funding.harness.run(lambda s: handlers.get_allocation(s, FINANCE, unknown))
    assert str(unknown) in str(missing.value)

    await _approve(funding, proposal.id)
    with pytest.raises(InvalidState) as again:
        await _approve(funding, proposal.id)
    assert str(again.value) == f"allocation {proposal.id} is approved, not proposed"
    assert (again.value.current, again.value.allowed) == ("approved", [])
    assert [(e.field, e.rule, e.message) for e in again.value.errors] == [
        ("status", "allocation_must_be_proposed", "current status: approved")
    ]


async def test_a_stale_share_is_refused_with_the_need_left_today(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Proposed 5 000 000 on a 5 000 000 investment; the residents then commit 1 000 000: at
    most 4 000 000 is still needed."""
    funding = await start_funding(harness_for)
    a = await register(funding.harness, "鼓楼街小区", 5_000_000, steps=EVERY_STEP, completed=True)
    proposal = await _propose(funding, [a], 5_000_000)
    await _commit_by_owners(funding, a, 1_000_000)
    with pytest.raises(InvalidState) as stale:
        await _approve(funding, proposal.id)
    assert str(stale.value) == "a project's sources changed since the proposal; propose again"
    assert (stale.value.current, stale.value.allowed) == ("stale", ["propose"])
    assert [(e.field, e.rule, e.message) for e in stale.value.errors] == [
        (f"lines.{a}", "within_remaining_need", "at most 4000000 fen")
    ]


async def test_a_share_equal_to_the_need_is_committed_and_leaves_no_shortfall(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Investment 5 000 000, residents 1 000 000: the need and the share are 4 000 000; after it
    the sources commit 5 000 000 and nothing is short."""
    funding = await start_funding(harness_for)
    a = await register(funding.harness, "鼓楼街小区", 5_000_000, steps=EVERY_STEP, completed=True)
    await _commit_by_owners(funding, a, 1_000_000)
    proposal = await _propose(funding, [a], 4_000_000)
    approved = await _approve(funding, proposal.id)
    assert approved.status is AllocationStatus.APPROVED
    (event,) = await _committed_events(funding)
    assert (event["amount_fen"], event["committed_fen"], event["shortfall_fen"]) == (4_000_000, 5_000_000, 0)
    (entry,) = [e for e in await funding.harness.all(SourceEntry) if e.source_code == "central-subsidy"]
    assert (entry.amount_fen, entry.dated_on, entry.recorded_by) == (4_000_000, date(2026, 11, 20), "finance")
    assert entry.note == f"central-fund allocation {proposal.id}, rank 1"


async def test_a_partial_share_announces_what_is_still_short(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Investment 5 000 000, share 1 500 000: 3 500 000 short."""
    funding = await start_funding(harness_for)
    a = await register(funding.harness, "鼓楼街小区", 5_000_000, steps=EVERY_STEP, completed=True)
    await _approve(funding, (await _propose(funding, [a], 1_500_000)).id)
    (event,) = await _committed_events(funding)
    assert (event["committed_fen"], event["shortfall_fen"]) == (1_500_000, 3_500_000)


async def test_a_one_fen_share_is_committed_too(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    a = await register(funding.harness, "鼓楼街小区", 5_000_000, steps=EVERY_STEP, completed=True)
    await _approve(funding, (await _propose(funding, [a], 1)).id)
    assert [e.amount_fen for e in await funding.harness.all(SourceEntry)] == [1]
    (approved,) = [
        e.data for e in await funding.harness.outbox() if e.type == "funding.central_allocation.approved.v1"
    ]
    assert (approved["allocated_fen"], approved["projects"]) == (1, 1)


async def test_the_approval_is_dated_audited_and_keeps_the_note(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    a = await register(funding.harness, "鼓楼街小区", 5_000_000, steps=EVERY_STEP, completed=True)
    proposal = await _propose(funding, [a], 1_000_000, note="2019年中央补助资金")
    assert (proposal.note, proposal.approved_at) == ("2019年中央补助资金", None)
    approved = await _approve(funding, proposal.id)
    assert (approved.approved_at, approved.approved_by) == (funding.harness.clock.now(), "finance")
    (entry,) = [e for e in await funding.harness.all(AuditEntry) if e.action == "central_allocation.approved"]
    assert (entry.record_type, entry.record_id, entry.actor_org) == (
        "central_allocation",
        str(proposal.id),
        "finance",
    )
    assert json.loads(entry.before) == {"status": "proposed"}
    assert json.loads(entry.after) == {"status": "approved", "allocated_fen": 1_000_000}


async def test_a_proposal_supersedes_only_its_own_programmes_and_each_is_listed_under_it(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    a = await register(funding.harness, "鼓楼街小区", 5_000_000, steps=EVERY_STEP)
    b = await register(funding.harness, "新区小区", 3_000_000, steps=EVERY_STEP, programme=KAIFENG_2020)
    first = await _propose(funding, [a], 1_000)
    second = await _propose(funding, [b], 2_000, programme=KAIFENG_2020)

    async def listed(programme: str | None) -> list[tuple[uuid.UUID, AllocationStatus]]:
        rows = await funding.harness.run(lambda s: handlers.list_allocations(s, FINANCE, programme, PROFILES))
        return [(x.id, x.status) for x in rows]

    assert await listed(KAIFENG) == [(first.id, AllocationStatus.PROPOSED)]
    assert await listed(KAIFENG_2020) == [(second.id, AllocationStatus.PROPOSED)]
    assert await listed(None) == [
        (first.id, AllocationStatus.PROPOSED),
        (second.id, AllocationStatus.PROPOSED),
    ]
    with pytest.raises(RuleViolation) as refused:
        await listed(ZHENGZHOU)
    assert str(refused.value) == "programme 'zhengzhou-2019' allocates no central funds"
    assert [(e.field, e.rule, e.message) for e in refused.value.errors] == [
        ("programme_code", "has_central_funds", "a programme whose profile ranks central funds")
    ]


async def _known_project(
    funding: Any, project_id: uuid.UUID, name: str, investment_fen: int, district_code: str
) -> None:
    """A Kaifeng project with a fixed id: registered with its plan approved, no step done."""
    base = {
        "project_id": project_id,
        "community_id": uuid.uuid5(project_id, "community"),
        "district_code": district_code,
        "programme_code": KAIFENG,
    }
    await funding.harness.deliver(ProjectRegistered(**base, name=name, investment_fen=investment_fen))
    await funding.harness.deliver(
        PlanApproved(
            **base,
            version=1,
            approved_on=date(2019, 12, 1),
            items=[PlanItem(item_code="roads", investment_fen=investment_fen)],
            investment_fen=investment_fen,
        )
    )


async def test_a_district_sees_its_own_candidates_and_lines_only(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    gulou, first, second = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
    await _known_project(funding, gulou, "鼓楼小区", 1_000_000, GULOU)
    await _known_project(funding, second, "龙亭二号院", 3_000_000, LONGTING)
    await _known_project(funding, first, "龙亭一号院", 2_000_000, LONGTING)

    async def candidates(actor: Any) -> list[tuple[uuid.UUID, str | None, int | None]]:
        rows = await funding.harness.run(lambda s: handlers.candidates(s, actor, KAIFENG))
        return [(c.project_id, c.name, c.investment_fen) for c in rows]

    assert await candidates(LONGTING_CLERK) == [
        (first, "龙亭一号院", 2_000_000),
        (second, "龙亭二号院", 3_000_000),
    ]
    assert await candidates(district(GULOU)) == [(gulou, "鼓楼小区", 1_000_000)]
    assert [c[0] for c in await candidates(FINANCE)] == [gulou, first, second]

    proposal = await _propose(funding, [gulou, first], 1_000_000)
    mine = await funding.harness.run(lambda s: handlers.get_allocation(s, LONGTING_CLERK, proposal.id))
    assert [(line.project_id, line.district_code) for line in mine.lines] == [
        (first, LONGTING),
        (second, LONGTING),
    ]
    everyone = await funding.harness.run(lambda s: handlers.get_allocation(s, FINANCE, proposal.id))
    assert {line.project_id for line in everyone.lines} == {gulou, first, second}


async def test_each_line_says_why_it_gets_what_it_gets_and_the_proposal_is_announced_and_audited(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """One fen over A (score 0.5 + 0.3 + 0.2 = 1), B (0.2 × 2 000 000 / 5 000 000 = 0.08) and C
    (its residents cover its 1 000 000: no need, score 0): B's share rounds down to nothing and the
    left-over fen goes to A; D is not listed."""
    funding = await start_funding(harness_for)
    a = await register(funding.harness, "鼓楼街小区", 5_000_000, steps=EVERY_STEP, completed=True)
    b = await register(funding.harness, "龙亭北小区", 2_000_000)
    c = await register(funding.harness, "汴京路小区", 1_000_000)
    d = await register(funding.harness, "未列入小区", 8_000_000)
    await _commit_by_owners(funding, c, 1_000_000)
    proposal = await _propose(funding, [a, b, c], 1)
    lines = {line.project_id: line for line in proposal.lines}
    assert (lines[a].outcome, lines[a].reason, lines[a].amount_fen) == (
        "allocated",
        "rank 1, score 1.0000",
        1,
    )
    assert (lines[b].outcome, lines[b].reason, lines[b].amount_fen) == (
        "nothing_left",
        "rank 2, score 0.0800: nothing left",
        0,
    )
    assert (lines[c].outcome, lines[c].reason, lines[c].need_fen) == (
        "no_remaining_need",
        "its sources already cover its investment",
        0,
    )
    assert (lines[d].outcome, lines[d].name, lines[d].listed) == ("not_listed", "未列入小区", False)
    (announced,) = [
        e.data for e in await funding.harness.outbox() if e.type == "funding.central_allocation.proposed.v1"
    ]
    assert (announced["amount_fen"], announced["allocated_fen"], announced["projects"]) == (1, 1, 1)
    (entry,) = [e for e in await funding.harness.all(AuditEntry) if e.action == "central_allocation.proposed"]
    assert (entry.record_type, entry.record_id, entry.actor_org) == (
        "central_allocation",
        str(proposal.id),
        "housing",
    )
    assert json.loads(entry.after) == {"amount_fen": 1, "allocated_fen": 1}


async def test_the_candidates_read_each_projects_latest_approved_plan_and_its_own_commitments(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """P1: registered at 1 000 000, plan version 1 approved at 1 200 000, version 2 only submitted;
    its residents commit 100 000 and 200 000 and pay 50 000 of it: need 1 200 000 − 300 000.
    P2: known only by its plans, version 2 (2 000 000) approved before version 1 (1 500 000).
    P3: registered at 3 000 000, no plan yet. A Zhengzhou plan is no Kaifeng candidate."""
    funding = await start_funding(harness_for)
    p1, p2, p3, zhengzhou = (uuid.UUID(int=n) for n in (11, 12, 13, 14))
    kaifeng = {"district_code": LONGTING, "programme_code": KAIFENG}
    await funding.harness.deliver(
        ProjectRegistered(
            project_id=p1,
            community_id=uuid.uuid5(p1, "c"),
            name="一号院",
            investment_fen=1_000_000,
            **kaifeng,
        )
    )
    await funding.harness.deliver(plan(PlanApproved, p1, 1, {"roads": 1_200_000}, **kaifeng))
    await funding.harness.deliver(plan(PlanSubmitted, p1, 2, {"roads": 9_000_000}, **kaifeng))
    await funding.harness.deliver(plan(PlanApproved, p2, 2, {"roads": 2_000_000}, **kaifeng))
    await funding.harness.deliver(plan(PlanApproved, p2, 1, {"roads": 1_500_000}, **kaifeng))
    await funding.harness.deliver(
        ProjectRegistered(
            project_id=p3,
            community_id=uuid.uuid5(p3, "c"),
            name="三号院",
            investment_fen=3_000_000,
            **kaifeng,
        )
    )
    await funding.harness.deliver(plan(PlanApproved, zhengzhou, 1, {"roads-kerbs": 4_000_000}))
    await _commit_by_owners(funding, p1, 100_000)
    await _commit_by_owners(funding, p1, 200_000)
    await _commit_by_owners(funding, p1, 50_000, SourceEntryKind.RECEIPT)

    rows = await funding.harness.run(lambda s: handlers.candidates(s, FINANCE, KAIFENG))
    assert [(c.project_id, c.district_code, c.name, c.investment_fen, c.need_fen) for c in rows] == [
        (p1, LONGTING, "一号院", 1_200_000, 900_000),
        (p2, LONGTING, None, 2_000_000, 2_000_000),
        (p3, LONGTING, "三号院", 3_000_000, 3_000_000),
    ]


async def test_an_approved_city_award_counts_as_covered(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Plan 5 000 000; accepted at 2 500 000, so the approved award is 40% of it, 1 000 000: the
    need left for central funds is 4 000 000."""
    funding = await start_funding(harness_for, PROFILES)
    project = await register(funding.harness, "新区小区", 5_000_000, programme=KAIFENG_2020)
    await funding.accepted_and_approved(
        project_id=project,
        district_code=LONGTING,
        programme_code=KAIFENG_2020,
        investment_fen=5_000_000,
        accepted_investment_fen=2_500_000,
    )
    rows = await funding.harness.run(lambda s: handlers.candidates(s, FINANCE, KAIFENG_2020, PROFILES))
    assert [(c.project_id, c.investment_fen, c.need_fen) for c in rows] == [(project, 5_000_000, 4_000_000)]


async def test_the_candidates_come_in_project_id_order(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Ids …0010 and …0009, registered in that order: listed …0009 first."""
    funding = await start_funding(harness_for)
    later, earlier = uuid.UUID(int=16), uuid.UUID(int=9)
    await _known_project(funding, later, "十六号院", 1_000_000, LONGTING)
    await _known_project(funding, earlier, "九号院", 1_000_000, LONGTING)
    rows = await funding.harness.run(lambda s: handlers.candidates(s, FINANCE, KAIFENG))
    assert [c.project_id for c in rows] == [earlier, later]


async def test_approval_checks_the_need_on_the_approved_plan_or_the_registration_without_one(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """P1 is registered at 1 000 000, its plan approved at 1 000 000 (version 1) and then at
    2 000 000 (version 2): its need is 2 000 000. P2 is registered at 1 000 000 with no plan yet:
    its need is that figure. No step done: scores 0.2 × 1 = 0.2 and 0.2 × 0.5 = 0.1, so 3 000 000
    splits 2 000 000 / 1 000 000, each exactly its need, and both are approved."""
    funding = await start_funding(harness_for)
    p1, p2 = uuid.UUID(int=21), uuid.UUID(int=22)
    await _known_project(funding, p1, "一号院", 1_000_000, LONGTING)
    await funding.harness.deliver(
        plan(PlanApproved, p1, 2, {"roads": 2_000_000}, district_code=LONGTING, programme_code=KAIFENG)
    )
    await funding.harness.deliver(
        ProjectRegistered(
            project_id=p2,
            community_id=uuid.uuid5(p2, "c"),
            district_code=LONGTING,
            programme_code=KAIFENG,
            name="二号院",
            investment_fen=1_000_000,
        )
    )
    proposal = await _propose(funding, [p1, p2], 3_000_000)
    assert {line.project_id: line.amount_fen for line in proposal.lines} == {p1: 2_000_000, p2: 1_000_000}
    approved = await _approve(funding, proposal.id)
    assert approved.status is AllocationStatus.APPROVED
    events = await _committed_events(funding)
    assert sorted((e["project_id"], e["amount_fen"], e["shortfall_fen"]) for e in events) == sorted(
        [(str(p1), 2_000_000, 0), (str(p2), 1_000_000, 0)]
    )
