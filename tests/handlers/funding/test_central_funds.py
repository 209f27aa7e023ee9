"""Kaifeng's central funds (三, 七(二), 七(三)): Housing ranks the listed projects and splits the amount
to the fen; Finance approves once, which commits each share as a source and posts it to the journal;
projects not on the list never get central funds."""

from __future__ import annotations

import io
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from services.funding.domain.sources import SourceEntryKind
from services.funding.handlers import central_funds as handlers
from services.funding.handlers import exports, sources, totals
from services.funding.models import JournalEntry
from services.funding.models.central_funds import AllocationCreate, AllocationStatus, LineOutcome
from services.funding.models.readiness import ReadinessStep
from services.funding.models.sources import SourceEntry, SourceEntryCreate
from shared.contracts.registry import ReviewPassed
from shared.errors import Forbidden, InvalidState, RuleViolation
from tests.handlers.funding.kaifeng import HOUSING, LONGTING_CLERK, register
from tests.handlers.funding.world import FINANCE, district, start_funding

ALL_STEPS = ("approval", "design_review", "cost_review", "tender")


async def _three_listed_and_one_not(harness: Any) -> dict[str, uuid.UUID]:
    """A: every step and completed (score 1); B: three steps (0.4950); C: one step, 50% (0.3550)."""
    return {
        "A": await register(harness, "鼓楼街小区", 10_000_000, steps=ALL_STEPS, completed=True),
        "B": await register(harness, "龙亭北小区", 6_000_000, steps=ALL_STEPS[:3]),
        "C": await register(harness, "汴京路小区", 4_000_000, steps=ALL_STEPS[:1], progress=(40, 60)),
        "D": await register(harness, "未列入小区", 8_000_000, steps=ALL_STEPS, completed=True),
    }


async def _propose(funding: Any, listed: list[uuid.UUID], amount_fen: int, actor: Any = HOUSING) -> Any:
    body = AllocationCreate(programme_code="kaifeng-2019", amount_fen=amount_fen, listed_project_ids=listed)
    now = funding.harness.clock.now()
    return await funding.harness.run(lambda s: handlers.propose(s, actor, body, now))


async def _approve(funding: Any, allocation_id: uuid.UUID, actor: Any = FINANCE) -> Any:
    now = funding.harness.clock.now()
    return await funding.harness.run(lambda s: handlers.approve(s, actor, allocation_id, now))


async def test_housing_ranks_the_listed_projects_and_splits_the_amount_to_the_fen(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    p = await _three_listed_and_one_not(funding.harness)
    proposal = await _propose(funding, [p["C"], p["A"], p["B"]], 3_700_001)
    ranked = [(x.project_id, x.rank, str(x.score), x.amount_fen, x.outcome) for x in proposal.lines]
    assert ranked[:3] == [
        (p["A"], 1, "1.0000", 2_000_001, LineOutcome.ALLOCATED),  # 2 000 000.54 + the left-over fen
        (p["B"], 2, "0.4950", 990_000, LineOutcome.ALLOCATED),  # 990 000.27
        (p["C"], 3, "0.3550", 710_000, LineOutcome.ALLOCATED),  # 710 000.19
    ]
    (left_out,) = proposal.lines[3:]
    assert (left_out.project_id, left_out.listed, left_out.amount_fen) == (p["D"], False, 0)
    assert left_out.outcome is LineOutcome.NOT_LISTED and "117" in left_out.reason and "三" in left_out.reason
    assert (proposal.allocated_fen, proposal.unallocated_fen) == (3_700_001, 0)
    assert proposal.status is AllocationStatus.PROPOSED and proposal.weights == "0.50/0.30/0.20"
    b = proposal.lines[1]
    assert (str(b.approvals), str(b.progress), str(b.investment)) == ("0.7500", "0.0000", "0.6000")
    assert (await funding.harness.outbox_types())[-1] == "funding.central_allocation.proposed.v1"


async def test_no_project_gets_more_than_its_need_and_the_rest_stays_unallocated(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    p = await _three_listed_and_one_not(funding.harness)
    proposal = await _propose(funding, [p["A"], p["B"], p["C"]], 25_000_000)
    assert [x.amount_fen for x in proposal.lines[:3]] == [10_000_000, 6_000_000, 4_000_000]
    assert (proposal.allocated_fen, proposal.unallocated_fen) == (20_000_000, 5_000_000)


async def test_finance_approves_once_committing_each_share_as_a_source_in_the_journal(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    p = await _three_listed_and_one_not(funding.harness)
    proposal = await _propose(funding, [p["A"], p["B"], p["C"]], 3_700_001)
    approved = await _approve(funding, proposal.id)
    assert (approved.status, approved.approved_by) == (AllocationStatus.APPROVED, "finance")
    with pytest.raises(InvalidState) as again:
        await _approve(funding, proposal.id)
    assert again.value.errors[0].rule == "allocation_must_be_proposed"
    entries = [e for e in await funding.harness.all(SourceEntry) if e.source_code == "central-subsidy"]
    assert sorted((e.project_id, e.amount_fen, e.kind) for e in entries) == sorted(
        [
            (p["A"], 2_000_001, SourceEntryKind.COMMITMENT),
            (p["B"], 990_000, SourceEntryKind.COMMITMENT),
            (p["C"], 710_000, SourceEntryKind.COMMITMENT),
        ]
    )
    journal = await funding.harness.all(JournalEntry)
    assert sorted(
        (j.project_id, j.movement, j.debit_account, j.credit_account, j.amount_fen) for j in journal
    ) == sorted(
        (pid, "central_allocated", "central_subsidy", "central_fund", fen)
        for pid, fen in ((p["A"], 2_000_001), (p["B"], 990_000), (p["C"], 710_000))
    )
    sheet = await funding.harness.run(lambda s: sources.project_sources(s, FINANCE, p["B"]))
    assert {x.source_code: x.committed_fen for x in sheet.lines} == {"central-subsidy": 990_000}
    assert sheet.shortfall_fen == 6_000_000 - 990_000
    events = [e for e in await funding.harness.outbox() if e.type.startswith("funding.source.")]
    assert sorted(e.data["amount_fen"] for e in events) == [710_000, 990_000, 2_000_001]
    assert all(e.data["allocation_id"] == str(proposal.id) for e in events)
    assert (await funding.harness.outbox_types()).count("funding.central_allocation.approved.v1") == 1
    reconciliation = await funding.reconciliation()
    assert reconciliation.ties_out
    assert sorted(
        (c.project_id, c.journal_fen, c.allocated_fen, c.committed_fen) for c in reconciliation.central
    ) == sorted(
        (pid, fen, fen, fen) for pid, fen in ((p["A"], 2_000_001), (p["B"], 990_000), (p["C"], 710_000))
    )
    assert (await funding.reconciliation(district("zz-jinshui"))).central == []


async def test_a_second_allocation_only_fills_what_the_first_left_needed(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    p = await _three_listed_and_one_not(funding.harness)
    first = await _propose(funding, [p["A"], p["B"], p["C"]], 3_700_001)
    await _approve(funding, first.id)
    second = await _propose(funding, [p["A"], p["B"], p["C"]], 100_000_000)
    needs = {x.project_id: (x.need_fen, x.amount_fen) for x in second.lines}
    assert needs[p["A"]] == (10_000_000 - 2_000_001,) * 2
    assert second.allocated_fen == 20_000_000 - 3_700_001


async def test_only_housing_proposes_and_only_finance_approves(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    p = await _three_listed_and_one_not(funding.harness)
    for caller in (FINANCE, LONGTING_CLERK):
        with pytest.raises(Forbidden):
            await _propose(funding, [p["A"]], 1_000, actor=caller)
    proposal = await _propose(funding, [p["A"]], 1_000)
    for caller in (HOUSING, LONGTING_CLERK):
        with pytest.raises(Forbidden):
            await _approve(funding, proposal.id, actor=caller)


async def test_a_list_naming_unknown_or_foreign_projects_is_refused_field_by_field(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    p = await _three_listed_and_one_not(funding.harness)
    zhengzhou = await register(
        funding.harness, "文化路3号院", 1_000, district_code="zz-jinshui", programme="zhengzhou-2019"
    )
    with pytest.raises(RuleViolation) as refused:
        await _propose(funding, [p["A"], uuid.UUID(int=5), zhengzhou, p["A"]], 1_000)
    problems = {(e.field, e.rule) for e in refused.value.errors}
    assert problems == {
        ("listed_project_ids.1", "known_project"),
        ("listed_project_ids.2", "same_programme"),
        ("listed_project_ids.3", "unique"),
    }
    with pytest.raises(RuleViolation) as too_many:
        await _propose(funding, [p["A"]] + [uuid.uuid4() for _ in range(117)], 1_000)
    assert ("listed_project_ids", "within_listed_count") in {(e.field, e.rule) for e in too_many.value.errors}
    assert await funding.harness.outbox_types() == [
        t for t in await funding.harness.outbox_types() if "central" not in t
    ]


async def test_a_programme_without_central_funds_is_refused(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    body = AllocationCreate(
        programme_code="zhengzhou-2019", amount_fen=1_000, listed_project_ids=[uuid.uuid4()]
    )
    now = funding.harness.clock.now()
    with pytest.raises(RuleViolation) as refused:
        await funding.harness.run(lambda s: handlers.propose(s, HOUSING, body, now))
    assert refused.value.errors[0].rule == "has_central_funds"


async def test_central_funds_are_never_committed_by_hand(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    p = await _three_listed_and_one_not(funding.harness)
    body = SourceEntryCreate(
        source_code="central-subsidy",
        kind=SourceEntryKind.COMMITMENT,
        amount_fen=1_000,
        dated_on=date(2020, 1, 2),
    )
    now = funding.harness.clock.now()
    with pytest.raises(RuleViolation) as refused:
        await funding.harness.run(lambda s: sources.record_entry(s, LONGTING_CLERK, p["D"], body, now))
    assert refused.value.errors[0].rule == "central_funds_by_allocation"


async def test_a_newer_proposal_supersedes_and_a_stale_one_is_refused(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    p = await _three_listed_and_one_not(funding.harness)
    first = await _propose(funding, [p["A"], p["B"]], 1_000_000)
    second = await _propose(funding, [p["A"], p["B"], p["C"]], 1_000_000)
    with pytest.raises(InvalidState):
        await _approve(funding, first.id)
    owners = SourceEntryCreate(
        source_code="residents",
        kind=SourceEntryKind.COMMITMENT,
        amount_fen=10_000_000,
        dated_on=date(2020, 1, 2),
    )
    now = funding.harness.clock.now()
    await funding.harness.run(lambda s: sources.record_entry(s, LONGTING_CLERK, p["A"], owners, now))
    with pytest.raises(InvalidState) as stale:
        await _approve(funding, second.id)
    assert {(e.field, e.rule) for e in stale.value.errors} == {(f"lines.{p['A']}", "within_remaining_need")}
    assert [e for e in await funding.harness.all(SourceEntry) if e.source_code == "central-subsidy"] == []


async def test_a_review_heard_twice_counts_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    project_id = await register(funding.harness, "小区", 1_000, steps=("approval",))
    again = ReviewPassed(
        project_id=project_id,
        community_id=uuid.uuid5(project_id, "community"),
        district_code="kf-longting",
        programme_code="kaifeng-2019",
        step="approval",
        passed_on=date(2019, 12, 20),
        reference="again",
    )
    assert await funding.harness.deliver(again) == "handled"
    steps = [s for s in await funding.harness.all(ReadinessStep) if s.project_id == project_id]
    assert [(s.step, s.done_on) for s in steps] == [("approval", date(2019, 12, 2))]


async def test_the_candidates_show_what_the_ranking_reads(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    p = await _three_listed_and_one_not(funding.harness)
    rows = await funding.harness.run(lambda s: handlers.candidates(s, FINANCE, "kaifeng-2019"))
    by_id = {row.project_id: row for row in rows}
    c = by_id[p["C"]]
    assert (c.steps_done, str(c.progress), c.need_fen, c.steps_complete_on) == (
        ["approval"],
        "0.5",
        4_000_000,
        None,
    )
    assert by_id[p["A"]].steps_complete_on == date(2019, 12, 5)
    assert {row.project_id for row in rows} == set(p.values())


async def test_totals_by_district_and_programme_tie_out_to_the_journal_with_central_funds(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    p = await _three_listed_and_one_not(funding.harness)
    await _approve(funding, (await _propose(funding, [p["A"], p["B"], p["C"]], 3_700_001)).id)
    await funding.accepted_and_approved()  # a Zhengzhou award of 19 200 000 next to it
    check = await funding.harness.run(lambda s: totals.totals_check(s, FINANCE))
    assert check.ties_out and check.problems == []
    assert (check.awarded_fen, check.central_fen) == (19_200_000, 3_700_001)
    assert {(t.programme_code, t.awarded_fen, t.central_fen) for t in check.by_programme} == {
        ("kaifeng-2019", 0, 3_700_001),
        ("zhengzhou-2019", 19_200_000, 0),
    }
    assert {(t.district_code, t.central_fen) for t in check.by_district} == {
        ("kf-longting", 3_700_001),
        ("zz-jinshui", 0),
    }
    jinshui = await funding.harness.run(lambda s: totals.totals_check(s, district()))
    assert (jinshui.ties_out, jinshui.central_fen, jinshui.awarded_fen) == (True, 0, 19_200_000)


async def test_the_central_workbook_lists_ranked_lines_and_the_left_out_in_chinese(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    p = await _three_listed_and_one_not(funding.harness)
    await _approve(funding, (await _propose(funding, [p["A"], p["B"], p["C"]], 3_700_001)).id)
    body = await funding.harness.run(lambda s: exports.central_workbook(s, FINANCE))
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["中央资金分配", "汇总"]
    rows = [[c.value for c in row] for row in book["中央资金分配"].iter_rows()]
    assert rows[0][:3] == ["方案编号", "状态", "排名"] and rows[0][9] == "分配金额（元）"
    assert [(r[1], r[2], r[4], Decimal(str(r[9]))) for r in rows[1:4]] == [
        ("已批准", 1, "鼓楼街小区", Decimal("20000.01")),
        ("已批准", 2, "龙亭北小区", Decimal("9900.00")),
        ("已批准", 3, "汴京路小区", Decimal("7100.00")),
    ]
    assert rows[4][6] == "否" and rows[4][10].startswith("未列入中央资金补助名单")
    summary = [[c.value for c in row] for row in book["汇总"].iter_rows(min_row=2)]
    assert [(r[0], r[1], Decimal(str(r[2]))) for r in summary] == [
        ("区县", "kf-longting", Decimal("37000.01")),
        ("实施方案", "kaifeng-2019", Decimal("37000.01")),
    ]
