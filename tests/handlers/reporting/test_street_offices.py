"""The ledger per street office: community and project events counted per district and street office."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from services.reporting.domain.periods import Period, period_span
from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.rollups import district_rollup
from services.reporting.handlers.street_rollups import street_office_projects, street_office_rollups
from services.reporting.models.streets import StreetDay
from shared.contracts.registry import (
    CommunityReassessed,
    CommunityRegistered,
    ConstructionCompleted,
    ConstructionStarted,
    ProjectAccepted,
    ProjectClosed,
    ProjectRegistered,
)
from shared.errors import NotFound
from tests.handlers.reporting.events import (
    ERQI,
    JINSHUI,
    PROGRAMME,
    at,
    district,
    office,
    shanghai,
    street_office,
)

WENHUA = "文化路街道"
DUFU = "杜岭街道"
LEDGER = ("ledger_communities", "eligible_communities", "eligible_households", "eligible_floor_area_dm2")
STEPS = (
    "registered_projects",
    "started_projects",
    "completed_projects",
    "accepted_projects",
    "closed_projects",
)


def community(
    street: str | None = WENHUA,
    *,
    eligible: bool = True,
    households: int = 120,
    area: str = "8000.55",
    on: date = date(2026, 11, 2),
    district_code: str = JINSHUI,
    community_id: UUID | None = None,
) -> CommunityRegistered:
    return CommunityRegistered(
        community_id=community_id or uuid4(),
        programme_code=PROGRAMME,
        district_code=district_code,
        street_office=street,
        eligible=eligible,
        households=households,
        floor_area_m2=Decimal(area),
        name="文化路1号院",
        registered_on=on,
    )


def reassessed(
    before: CommunityRegistered | CommunityReassessed, *, eligible: bool, on: date
) -> CommunityReassessed:
    fields = before.model_dump(exclude={"name", "registered_on", "eligible", "was_eligible", "reassessed_on"})
    return CommunityReassessed(**fields, eligible=eligible, was_eligible=before.eligible, reassessed_on=on)


def project(street: str | None = WENHUA, on: date | None = date(2026, 11, 3)) -> ProjectRegistered:
    return ProjectRegistered(
        project_id=uuid4(),
        community_id=uuid4(),
        district_code=JINSHUI,
        programme_code=PROGRAMME,
        name="文化路1号院改造",
        investment_fen=100_000_00,
        registered_on=on,
        street_office=street,
    )


def steps(p: ProjectRegistered, day: date) -> list:  # type: ignore[type-arg]
    common = {
        "project_id": p.project_id,
        "community_id": p.community_id,
        "district_code": p.district_code,
        "programme_code": p.programme_code,
    }
    return [
        ConstructionStarted(**common, started_on=day),  # type: ignore[arg-type]
        ConstructionCompleted(**common, completed_on=day),  # type: ignore[arg-type]
        ProjectAccepted(**common, investment_fen=1, audited_investment_fen=1, accepted_on=day),  # type: ignore[arg-type]
        ProjectClosed(**common, closed_on=day),  # type: ignore[arg-type]
    ]


async def _offices(harness, actor=None, span=None) -> dict[str, dict[str, int]]:  # type: ignore[no-untyped-def]
    rows = await harness.run(lambda s: street_office_rollups(s, actor or office(), JINSHUI, span, PROGRAMME))
    return {r.street_office: r.model_dump(include={*LEDGER, *STEPS}) for r in rows}


async def test_a_registered_community_counts_in_its_street_office_and_district_on_its_registration_day(
    harness_for,  # type: ignore[no-untyped-def]
) -> None:
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    envelope = at(community(households=120, area="8000.555"), shanghai(2026, 11, 20))
    assert await harness.redeliver(envelope) == "handled"
    assert await harness.redeliver(envelope) == "duplicate"
    await harness.deliver(community(eligible=False, households=50, area="100"))
    await harness.deliver(community(DUFU, households=30, area="2000"))
    (row,) = [r for r in await harness.all(StreetDay) if r.street_office == WENHUA]
    assert row.day == date(2026, 11, 2)
    figures = await _offices(harness)
    assert figures[WENHUA] == {
        "ledger_communities": 2,
        "eligible_communities": 1,
        "eligible_households": 120,
        "eligible_floor_area_dm2": 800056,
        **dict.fromkeys(STEPS, 0),
    }
    assert figures[DUFU]["eligible_households"] == 30
    rollup = await harness.run(lambda s: district_rollup(s, office(), JINSHUI, programme_code=PROGRAMME))
    assert (rollup.ledger_communities, rollup.eligible_communities) == (3, 2)
    assert (rollup.eligible_households, rollup.eligible_floor_area_dm2) == (150, 1000056)


async def test_a_reassessment_moves_a_community_in_or_out_of_the_eligible_figures_on_its_date(
    harness_for,  # type: ignore[no-untyped-def]
) -> None:
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    first = community(eligible=False, households=80, area="5000", on=date(2026, 10, 5))
    await harness.deliver(first)
    became = reassessed(first, eligible=True, on=date(2026, 11, 4))
    await harness.deliver(became)
    october = period_span(Period.MONTH, date(2026, 10, 31))
    assert (await _offices(harness, span=october))[WENHUA]["eligible_communities"] == 0
    now = await _offices(harness)
    assert now[WENHUA]["ledger_communities"] == 1
    assert (now[WENHUA]["eligible_communities"], now[WENHUA]["eligible_households"]) == (1, 80)
    await harness.deliver(reassessed(became, eligible=False, on=date(2026, 11, 10)))
    assert await harness.deliver(reassessed(first, eligible=False, on=date(2026, 11, 11))) == "handled"
    after = await _offices(harness)
    assert after[WENHUA] == {
        "ledger_communities": 1,
        **dict.fromkeys(LEDGER[1:], 0),
        **dict.fromkeys(STEPS, 0),
    }


async def test_project_steps_count_in_the_street_office_named_when_the_project_was_registered(
    harness_for,  # type: ignore[no-untyped-def]
) -> None:
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    p, q, old = project(WENHUA), project(DUFU), project(None, on=None)
    for payload in (p, q, old):
        await harness.deliver(payload)
    for payload in (
        steps(p, date(2026, 11, 10)) + steps(q, date(2026, 11, 11))[:1] + steps(old, date(2026, 11, 12))
    ):
        await harness.deliver(payload)
    figures = await _offices(harness)
    assert {k: v for k, v in figures[WENHUA].items() if k in STEPS} == dict.fromkeys(STEPS, 1)
    assert figures[DUFU]["registered_projects"] == figures[DUFU]["started_projects"] == 1
    assert figures[DUFU]["completed_projects"] == 0
    assert figures[""]["closed_projects"] == 1  # no street office named: counted under ""
    district_total = await harness.run(
        lambda s: district_rollup(s, office(), JINSHUI, programme_code=PROGRAMME)
    )
    assert sum(f["started_projects"] for f in figures.values()) == district_total.started_projects == 3


async def test_a_backdated_registration_lands_in_its_own_period(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.redeliver(at(project(on=date(2026, 9, 30)), shanghai(2026, 11, 20)))
    september = period_span(Period.MONTH, date(2026, 9, 15))
    rollup = await harness.run(lambda s: district_rollup(s, office(), JINSHUI, september, PROGRAMME))
    assert (rollup.registered_projects, rollup.in_period.registered_projects) == (1, 1)  # type: ignore[union-attr]
    assert (await _offices(harness, span=september))[WENHUA]["registered_projects"] == 1


async def test_a_project_step_in_the_same_batch_as_its_registration_finds_its_street_office(
    harness_for,  # type: ignore[no-untyped-def]
) -> None:
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    p = project(DUFU)

    async def both(session) -> None:  # type: ignore[no-untyped-def]
        for payload in (p, steps(p, date(2026, 11, 10))[0]):
            handler = SUBSCRIPTIONS.handler(type(payload).TYPE)
            await handler(session, _received(payload, harness))

    await harness.run(both)
    assert (await _offices(harness))[DUFU]["started_projects"] == 1


def _received(payload, harness):  # type: ignore[no-untyped-def]
    from shared.bus.subscriptions import ReceivedEvent
    from shared.contracts.envelope import CloudEvent

    return ReceivedEvent(CloudEvent.wrap(payload, event_id=str(uuid4())), payload, harness.clock.now())


async def test_street_offices_of_a_district_are_seen_by_the_office_and_that_district_only(
    harness_for,  # type: ignore[no-untyped-def]
) -> None:
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.deliver(community(WENHUA))
    await harness.deliver(community(DUFU, district_code=ERQI))
    assert set(await _offices(harness, district(JINSHUI))) == {WENHUA}
    assert set(await _offices(harness, street_office("jinshui-wenhua", JINSHUI))) == {WENHUA}
    with pytest.raises(NotFound):
        await _offices(harness, district(ERQI))


async def test_concurrent_community_events_add_up_exactly(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await asyncio.gather(*(harness.deliver(community(households=10, area="1.01")) for _ in range(20)))
    figures = (await _offices(harness))[WENHUA]
    assert (figures["eligible_communities"], figures["eligible_households"]) == (20, 200)
    assert figures["eligible_floor_area_dm2"] == 20 * 101


async def test_a_street_office_lists_its_projects_with_the_days_of_their_steps_as_of_a_day(
    harness_for,  # type: ignore[no-untyped-def]
) -> None:
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    p, later, elsewhere = project(WENHUA), project(WENHUA, on=date(2026, 11, 20)), project(DUFU)
    for payload in (p, later, elsewhere, *steps(p, date(2026, 11, 10))):
        await harness.deliver(payload)

    async def listed(office_name: str, as_of: date | None = None, actor=None):  # type: ignore[no-untyped-def]
        return await harness.run(
            lambda s: street_office_projects(s, actor or office(), JINSHUI, office_name, as_of, PROGRAMME)
        )

    now = {r.project_id: r for r in await listed(WENHUA)}
    assert set(now) == {p.project_id, later.project_id}
    assert (now[p.project_id].started_on, now[p.project_id].closed_on) == (date(2026, 11, 10),) * 2
    assert now[p.project_id].registered_on == date(2026, 11, 3) and now[p.project_id].name == p.name
    assert now[later.project_id].started_on is None
    (then,) = await listed(WENHUA, date(2026, 11, 9))  # the later project was not registered yet
    assert (then.project_id, then.registered_on, then.started_on) == (p.project_id, date(2026, 11, 3), None)
    assert [r.project_id for r in await listed(DUFU)] == [elsewhere.project_id]
    with pytest.raises(NotFound):
        await listed(WENHUA, actor=district(ERQI))
