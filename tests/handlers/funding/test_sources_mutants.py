"""Funding sources, pinned where mutants survived: the investment a project's sources must cover
is the latest approved plan version's (or the award's plan before any plan arrives); each entry is
stored, audited and (a commitment) announced with what it was given; lines keep commitments and
receipts apart per source; the shortfall list is per district, in project order."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from services.funding.domain.programmes import bundled_profile
from services.funding.domain.sources import SourceEntryKind
from services.funding.handlers import sources as handlers
from services.funding.models.sources import SourceEntry, SourceEntryCreate
from shared.audit import AuditEntry
from shared.contracts.registry import PlanApproved, PlanSubmitted
from shared.errors import Forbidden, NotFound
from tests.handlers.funding.world import FINANCE, JINSHUI, PLANNED, PROGRAMME, district, plan, start_funding


def entry(source: str, kind: str, amount: int, **extra: Any) -> SourceEntryCreate:
    return SourceEntryCreate(
        source_code=source, kind=SourceEntryKind(kind), amount_fen=amount, dated_on=date(2026, 5, 1), **extra
    )


async def _record(
    funding: Any, project_id: UUID, body: SourceEntryCreate, actor: Any = None, **kw: Any
) -> Any:
    now = funding.harness.clock.now()
    return await funding.harness.run(
        lambda s: handlers.record_entry(s, actor or district(), project_id, body, now, **kw)
    )


async def _sheet(funding: Any, project_id: UUID, actor: Any = FINANCE) -> Any:
    return await funding.harness.run(lambda s: handlers.project_sources(s, actor, project_id))


async def test_the_investment_to_cover_is_the_latest_approved_version_whatever_order_it_arrived_in(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """Version 2 approved at 8,000 replaces version 1's 10,000 even when version 1's approval
    arrives last; a later version only submitted does not count."""
    funding = await start_funding(harness_for)
    project = UUID(int=31)
    await funding.harness.deliver(plan(PlanApproved, project, 2, {"roads-kerbs": 8_000}))
    await funding.harness.deliver(plan(PlanApproved, project, 1, {"roads-kerbs": 10_000}))
    await funding.harness.deliver(plan(PlanSubmitted, project, 3, {"roads-kerbs": 30_000}))
    sheet = await _sheet(funding, project)
    assert (sheet.investment_fen, sheet.shortfall_fen, sheet.covered) == (8_000, 8_000, False)
    assert (sheet.project_id, sheet.district_code, sheet.lines) == (project, JINSHUI, [])


async def test_before_any_approved_plan_a_submitted_plan_alone_sets_no_investment(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Without an approved version there is nothing to cover yet: no shortfall, coverage unknown."""
    funding = await start_funding(harness_for)
    project = UUID(int=32)
    await funding.harness.deliver(plan(PlanSubmitted, project, 1, {"roads-kerbs": 10_000}))
    sheet = await _record(funding, project, entry("owners", "commitment", 500))
    assert (sheet.investment_fen, sheet.shortfall_fen, sheet.covered) == (None, None, None)
    assert sheet.committed_fen == 500


async def test_a_project_known_only_by_its_award_is_covered_against_the_awards_plan(harness_for) -> None:  # type: ignore[no-untyped-def]
    """An acceptance may reach funding before any plan event: the award's planned investment is
    the figure, and the award itself is the city's line (committed, nothing paid yet)."""
    funding = await start_funding(harness_for)
    event, award = await funding.accepted_and_approved()
    sheet = await _record(funding, event.project_id, entry("district", "commitment", 1_000))
    assert sheet.investment_fen == PLANNED
    lines = {line.source_code: (line.committed_fen, line.received_fen) for line in sheet.lines}
    assert lines == {"district": (1_000, 0), "city-award": (award.amount_fen, 0)}
    assert sheet.committed_fen == 1_000 + award.amount_fen
    assert sheet.shortfall_fen == PLANNED - 1_000 - award.amount_fen


async def test_an_entry_is_stored_audited_and_a_commitment_announced_with_what_it_was_given(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """The district's entry keeps the project's district and programme, its item, note and date,
    who recorded it and when; its audit entry names the kind, the source and the amount."""
    funding = await start_funding(harness_for)
    project = UUID(int=33)
    await funding.harness.deliver(plan(PlanApproved, project, 1, {"overhead-lines": 10_000}))
    body = entry("power", "commitment", 4_000, item_code="overhead-lines", note="供电公司承诺出资")
    await _record(funding, project, body)
    [stored] = await funding.harness.all(SourceEntry)
    assert (stored.project_id, stored.district_code, stored.programme_code) == (project, JINSHUI, PROGRAMME)
    assert (stored.source_code, stored.kind, stored.amount_fen) == (
        "power",
        SourceEntryKind.COMMITMENT,
        4_000,
    )
    assert (stored.dated_on, stored.item_code, stored.note) == (
        date(2026, 5, 1),
        "overhead-lines",
        "供电公司承诺出资",
    )
    assert (stored.recorded_by, stored.recorded_at) == (JINSHUI, funding.harness.clock.now())
    [audit] = [e for e in await funding.harness.all(AuditEntry) if e.action.startswith("funding_source.")]
    assert (audit.action, audit.record_type, audit.record_id) == (
        "funding_source.commitment",
        "project",
        str(project),
    )
    assert json.loads(audit.after) == {"source_code": "power", "amount_fen": 4_000}
    [event] = [e for e in await funding.harness.outbox() if e.type == "funding.source.committed.v1"]
    assert (event.data["project_id"], event.data["district_code"]) == (str(project), JINSHUI)
    assert (event.data["programme_code"], event.data["dated_on"]) == (PROGRAMME, "2026-05-01")
    assert event.data["item_code"] == "overhead-lines"
    await _record(funding, project, entry("power", "receipt", 1_000))
    actions = [
        e.action for e in await funding.harness.all(AuditEntry) if e.action.startswith("funding_source.")
    ]
    assert actions == ["funding_source.commitment", "funding_source.receipt"]


async def test_lines_sum_each_sources_commitments_and_receipts_apart(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Two commitments and a receipt from owners, one commitment from the district: each source is
    one line; the sheet's totals are the sums of the lines."""
    funding = await start_funding(harness_for)
    project = UUID(int=34)
    await funding.harness.deliver(plan(PlanApproved, project, 1, {"roads-kerbs": 10_000}))
    await _record(funding, project, entry("owners", "commitment", 1_000))
    await _record(funding, project, entry("owners", "commitment", 2_000))
    await _record(funding, project, entry("owners", "receipt", 500))
    sheet = await _record(funding, project, entry("district", "commitment", 4_000))
    lines = {line.source_code: (line.committed_fen, line.received_fen) for line in sheet.lines}
    assert lines == {"owners": (3_000, 500), "district": (4_000, 0)}
    assert (sheet.committed_fen, sheet.received_fen, sheet.shortfall_fen) == (7_000, 500, 3_000)


async def test_sources_are_refused_for_an_unknown_project_and_read_only_by_those_who_see_it(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """Funding knows a project from its plan or award; otherwise, and to another district, it
    does not exist (404 naming it). Only the project's own district records (403)."""
    funding = await start_funding(harness_for)
    project = UUID(int=35)
    with pytest.raises(NotFound) as unknown:
        await _record(funding, project, entry("owners", "commitment", 1))
    assert unknown.value.detail == f"funding knows no project {project}"
    await funding.harness.deliver(plan(PlanApproved, project, 1, {"roads-kerbs": 10_000}))
    with pytest.raises(NotFound) as hidden:
        await _sheet(funding, project, district("zz-erqi"))
    assert hidden.value.detail == f"funding knows no project {project}"
    with pytest.raises(Forbidden) as office:
        await _record(funding, project, entry("owners", "commitment", 1), actor=FINANCE)
    assert office.value.detail == "only the project's district records its funding sources"
    assert (await _sheet(funding, project, district())).investment_fen == 10_000
    assert await funding.harness.all(SourceEntry) == []


async def test_a_programme_the_lookup_does_not_know_is_not_found(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Entries are checked against the programme's sources, so without its profile there is
    nothing to check against: 404 naming the programme."""
    funding = await start_funding(harness_for)
    project = UUID(int=36)
    await funding.harness.deliver(plan(PlanApproved, project, 1, {"roads-kerbs": 10_000}))

    def lookup(code: str) -> Any:
        return None if code == PROGRAMME else bundled_profile(code)

    with pytest.raises(NotFound) as caught:
        await _record(funding, project, entry("owners", "commitment", 1), profiles=lookup)
    assert caught.value.detail == f"no programme {PROGRAMME}"


async def test_the_shortfall_list_is_per_district_in_project_order(harness_for) -> None:  # type: ignore[no-untyped-def]
    """A district sees its own projects that are not covered; the office sees every district's,
    ordered by project; a covered project and one without an approved plan are not listed."""
    funding = await start_funding(harness_for)
    erqi = "zz-erqi"
    await funding.harness.deliver(plan(PlanApproved, UUID(int=43), 1, {"roads-kerbs": 100}))
    await funding.harness.deliver(
        plan(PlanApproved, UUID(int=41), 1, {"roads-kerbs": 100}, district_code=erqi)
    )
    await funding.harness.deliver(plan(PlanApproved, UUID(int=42), 1, {"roads-kerbs": 100}))
    await funding.harness.deliver(plan(PlanSubmitted, UUID(int=44), 1, {"roads-kerbs": 100}))
    await funding.harness.deliver(plan(PlanApproved, UUID(int=45), 1, {"roads-kerbs": 100}))
    await _record(funding, UUID(int=45), entry("district", "commitment", 100))

    async def listed(actor: Any) -> list[int]:
        found = await funding.harness.run(lambda s: handlers.shortfalls(s, actor))
        return [sheet.project_id.int for sheet in found]

    assert await listed(FINANCE) == [41, 42, 43]
    assert await listed(district()) == [42, 43]
    assert await listed(district(erqi)) == [41]


async def test_the_smallest_award_is_still_the_citys_line(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Any award counts as the city's source, down to one fen (40% of 3 fen, rounded); only a
    project with no award has no city line."""
    funding = await start_funding(harness_for)
    event, award = await funding.accepted_and_approved(investment_fen=3, accepted_investment_fen=3)
    assert award.amount_fen == 1
    sheet = await _sheet(funding, event.project_id)
    assert [(line.source_code, line.committed_fen, line.received_fen) for line in sheet.lines] == [
        ("city-award", 1, 0)
    ]
    assert (sheet.investment_fen, sheet.committed_fen, sheet.shortfall_fen) == (3, 1, 2)
