"""The central-fund ranking's read model, pinned where mutants survived: what each registry event
writes to the project's row (a long name kept to its first 200 characters, the start of works,
the mean progress rounded down, the acceptance day) and the investment an acceptance fills in
only when registration did not give one."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from services.funding.models.readiness import ProjectReadiness
from shared.contracts.registry import ConstructionStarted, ItemProgress, ProgressReported, ProjectRegistered
from tests.handlers.funding.kaifeng import KAIFENG, LONGTING
from tests.handlers.funding.world import accepted, start_funding


def _base(project_id: uuid.UUID) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "community_id": uuid.uuid5(project_id, "community"),
        "district_code": LONGTING,
        "programme_code": KAIFENG,
    }


async def _row(funding: Any, project_id: uuid.UUID) -> ProjectReadiness:
    (row,) = [r for r in await funding.harness.all(ProjectReadiness) if r.project_id == project_id]
    return row


async def test_registration_keeps_the_first_200_characters_of_the_name_and_the_investment(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    project = uuid.UUID(int=1)
    name = "甲" * 200 + "乙"
    await funding.harness.deliver(ProjectRegistered(**_base(project), name=name, investment_fen=7_654_321))
    row = await _row(funding, project)
    assert (row.name, row.investment_fen) == ("甲" * 200, 7_654_321)
    assert (row.district_code, row.programme_code) == (LONGTING, KAIFENG)


async def test_the_start_of_works_is_kept_even_when_it_is_the_first_event_heard(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    project = uuid.UUID(int=2)
    await funding.harness.deliver(ConstructionStarted(**_base(project), started_on=date(2020, 4, 1)))
    row = await _row(funding, project)
    assert (row.started_on, row.district_code, row.programme_code) == (date(2020, 4, 1), LONGTING, KAIFENG)
    assert row.updated_at == funding.harness.clock.now()


async def test_progress_is_the_mean_of_the_items_rounded_down_to_a_whole_percent(harness_for) -> None:  # type: ignore[no-untyped-def]
    """(33 + 34) / 2 = 33.5: 33."""
    funding = await start_funding(harness_for)
    project = uuid.UUID(int=3)
    items = [
        ItemProgress(item_code="a", percent_complete=33),
        ItemProgress(item_code="b", percent_complete=34),
    ]
    await funding.harness.deliver(
        ProgressReported(**_base(project), reported_on=date(2020, 5, 1), items=items)
    )
    row = await _row(funding, project)
    assert row.progress_percent == 33 and isinstance(row.progress_percent, int)


async def test_acceptance_records_its_day_and_fills_in_only_a_missing_investment(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    registered = uuid.UUID(int=4)
    await funding.harness.deliver(ProjectRegistered(**_base(registered), name="小区", investment_fen=1_000))
    await funding.harness.deliver(accepted(project_id=registered, investment_fen=2_000))
    row = await _row(funding, registered)
    assert (row.accepted_on, row.investment_fen) == (date(2026, 11, 18), 1_000)

    unregistered = uuid.UUID(int=5)
    await funding.harness.deliver(accepted(project_id=unregistered, investment_fen=3_000))
    row = await _row(funding, unregistered)
    assert (row.accepted_on, row.investment_fen) == (date(2026, 11, 18), 3_000)
