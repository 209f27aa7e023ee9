"""The rate a district's schedule pays (Zhengzhou 2019 五(三), 原则上不低于0.3元): kept with the
schedule, shown with it, audited; below the standard only with a reason, and flagged."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import insert

from services.funding.handlers import property_subsidy as handlers
from services.funding.models.property_subsidy import ScheduleCreate, SubsidySchedule
from shared.audit import AuditEntry
from shared.errors import RuleViolation
from tests.handlers.funding.world import JINSHUI, PROGRAMME, district, start_funding, taken_over
from tests.unit.funding.profiles import lookup, with_subsidy

REASON = "区财政困难，经区政府常务会议研究同意"


async def _create(funding: Any, **body: Any) -> Any:
    event = taken_over(taken_over_on=date(2026, 5, 15))
    await funding.harness.deliver(event)
    now = funding.harness.clock.now()
    request = ScheduleCreate(floor_area_m2="1000.00", **body)
    return await funding.harness.run(
        lambda s: handlers.create_schedule(s, district(), event.project_id, request, now)
    )


async def test_a_higher_rate_is_paid_and_shown_not_flagged(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    schedule = await _create(funding, fen_per_m2_month=40)
    # 40 fen × 1 000 m² × 36 months
    assert (schedule.fen_per_m2_month, schedule.total_fen, schedule.below_standard) == (40, 1_440_000, False)
    assert {m.scheduled_fen for m in schedule.schedule} == {40_000}
    assert schedule.below_standard_reason is None
    (event,) = [
        e.data for e in await funding.harness.outbox() if e.type == "funding.property_subsidy.scheduled.v1"
    ]
    assert (event["fen_per_m2_month"], event["below_standard"], event["below_standard_reason"]) == (
        40,
        False,
        None,
    )


async def test_a_lower_rate_with_a_reason_is_kept_flagged_and_audited(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    schedule = await _create(funding, fen_per_m2_month=25, below_standard_reason=REASON)
    assert (schedule.fen_per_m2_month, schedule.total_fen) == (25, 900_000)
    assert (schedule.below_standard, schedule.below_standard_reason) == (True, REASON)
    (entry,) = [e for e in await funding.harness.all(AuditEntry) if e.action == "property_subsidy.scheduled"]
    assert (entry.record_type, entry.record_id, entry.actor_org) == (
        "project",
        str(schedule.project_id),
        JINSHUI,
    )
    # 25 fen × 1 000 m² × 36 months
    assert json.loads(entry.after) == {
        "total_fen": 900_000,
        "months": 36,
        "fen_per_m2_month": 25,
        "below_standard_reason": REASON,
    }
    (event,) = [
        e.data for e in await funding.harness.outbox() if e.type == "funding.property_subsidy.scheduled.v1"
    ]
    assert (event["fen_per_m2_month"], event["below_standard"], event["below_standard_reason"]) == (
        25,
        True,
        REASON,
    )
    again = await funding.harness.run(
        lambda s: handlers.read_schedule(s, district(), schedule.project_id, funding.harness.clock.now())
    )
    assert (again.fen_per_m2_month, again.below_standard, again.below_standard_reason) == (25, True, REASON)


async def test_a_lower_rate_without_a_reason_is_refused_and_nothing_is_kept(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    with pytest.raises(RuleViolation) as refusal:
        await _create(funding, fen_per_m2_month=29)
    assert [(p.field, p.rule) for p in refusal.value.errors] == [
        ("below_standard_reason", "required_below_standard")
    ]
    assert await funding.harness.all(SubsidySchedule) == []


async def test_a_reason_for_the_standard_rate_is_not_kept(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    schedule = await _create(funding, below_standard_reason=REASON)
    assert (schedule.fen_per_m2_month, schedule.below_standard, schedule.below_standard_reason) == (
        30,
        False,
        None,
    )


async def test_a_schedule_from_before_the_rate_was_kept_shows_the_programmes_minimum(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Schedules made before migration 0010 have no rate: they paid the minimum of their day."""
    funding = await start_funding(harness_for)
    project_id, now = uuid4(), funding.harness.clock.now()
    legacy = {
        "id": uuid4(),
        "project_id": project_id,
        "district_code": JINSHUI,
        "programme_code": PROGRAMME,
        "floor_area_m2": Decimal("1000.00"),
        "taken_over_on": date(2026, 5, 15),
        "months": 36,
        "total_fen": 1_080_000,
        "created_by": JINSHUI,
        "created_at": now,
    }
    await funding.harness.run(lambda s: s.exec(insert(SubsidySchedule).values(**legacy)))
    read = await funding.harness.run(lambda s: handlers.read_schedule(s, district(), project_id, now))
    assert (read.fen_per_m2_month, read.below_standard, read.below_standard_reason) == (30, False, None)


async def test_a_later_higher_standard_does_not_flag_a_schedule_made_at_the_old_one(harness_for) -> None:  # type: ignore[no-untyped-def]
    """The flag says the district departed from the standard when it scheduled (and gave a reason),
    not that today's profile would ask for more."""
    funding = await start_funding(harness_for)
    schedule = await _create(funding)
    assert (schedule.fen_per_m2_month, schedule.below_standard) == (30, False)
    raised = with_subsidy(min_fen_per_m2_month=40)
    read = await funding.harness.run(
        lambda s: handlers.read_schedule(
            s, district(), schedule.project_id, funding.harness.clock.now(), lookup(raised)
        )
    )
    assert (read.fen_per_m2_month, read.below_standard, read.below_standard_reason) == (30, False, None)
