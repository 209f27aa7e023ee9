"""Funding sources: the district records commitments and receipts by source the profile knows;
the city award counts as a source from the journal; projects not covered are listed."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from services.funding.domain.sources import SourceEntryKind, source_codes
from services.funding.handlers import sources as handlers
from services.funding.models.sources import SourceEntryCreate
from shared.contracts.registry import PlanApproved
from shared.errors import Forbidden, NotFound, RuleViolation
from shared.policy import get_profile
from tests.handlers.funding.world import FINANCE, district, plan, start_funding


def entry(source: str, kind: str, amount: int, **extra: Any) -> SourceEntryCreate:
    return SourceEntryCreate(
        source_code=source, kind=SourceEntryKind(kind), amount_fen=amount, dated_on=date(2026, 5, 1), **extra
    )


async def _record(funding, project_id: UUID, body: SourceEntryCreate, actor=None):  # type: ignore[no-untyped-def]
    now = funding.harness.clock.now()
    return await funding.harness.run(
        lambda s: handlers.record_entry(s, actor or district(), project_id, body, now)
    )


def test_zhengzhou_2019_sources_are_the_district_its_co_funders_and_its_utilities() -> None:
    codes = source_codes(get_profile("zhengzhou-2019"))
    assert codes[:4] == ("district", "government", "owners", "property-right-units")
    assert {"power", "telecom", "cable-tv"} <= set(codes)


async def test_commitments_and_the_award_cover_the_plan(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event, _ = await funding.accepted_and_approved()  # award 19 200 000 on 48 000 000 accepted
    await funding.harness.deliver(plan(PlanApproved, event.project_id, 1, {"roads-kerbs": 50_000_000}))
    sheet = await _record(funding, event.project_id, entry("district", "commitment", 25_000_000))
    assert (sheet.committed_fen, sheet.shortfall_fen, sheet.covered) == (44_200_000, 5_800_000, False)
    shortfalls = await funding.harness.run(lambda s: handlers.shortfalls(s, FINANCE))
    assert [s.project_id for s in shortfalls] == [event.project_id]
    await _record(funding, event.project_id, entry("owners", "commitment", 3_000_000))
    sheet = await _record(
        funding, event.project_id, entry("power", "commitment", 2_800_000, item_code="overhead-lines")
    )
    assert (sheet.shortfall_fen, sheet.covered) == (0, True)
    assert await funding.harness.run(lambda s: handlers.shortfalls(s, FINANCE)) == []
    lines = {line.source_code: (line.committed_fen, line.received_fen) for line in sheet.lines}
    assert lines["city-award"] == (19_200_000, 0)


async def test_receipts_stay_within_commitments_and_unknown_sources_are_refused(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = plan(PlanApproved, UUID(int=7), 1, {"roads-kerbs": 10_000})
    await funding.harness.deliver(event)
    await _record(funding, event.project_id, entry("owners", "commitment", 1_000))
    await _record(funding, event.project_id, entry("owners", "receipt", 600))
    with pytest.raises(RuleViolation) as over:
        await _record(funding, event.project_id, entry("owners", "receipt", 401))
    assert over.value.errors[0].rule == "receipt_within_commitment"
    with pytest.raises(RuleViolation) as unknown:
        await _record(funding, event.project_id, entry("lottery", "commitment", 1))
    assert unknown.value.errors[0].rule == "known_source"


async def test_only_the_projects_district_records_sources(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = plan(PlanApproved, UUID(int=8), 1, {"roads-kerbs": 10_000})
    await funding.harness.deliver(event)
    with pytest.raises(Forbidden):
        await _record(funding, event.project_id, entry("owners", "commitment", 1), actor=FINANCE)
    with pytest.raises(NotFound):
        await _record(funding, event.project_id, entry("owners", "commitment", 1), actor=district("zz-erqi"))
