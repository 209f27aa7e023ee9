"""The ledger (台账) per district and street office, from the registry's community events.

A community's eligibility may change on reassessment; the event states the outcome before
(`was_eligible`) and after, and a reassessment changes only the facts eligibility rests on (built
year, exclusions), never households, floor area or street office, so the change is a delta from
the event alone: no read of earlier figures.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.projections import effective_day, figure_delta, ledger_amounts
from services.reporting.handlers.central_list import note_listing
from services.reporting.handlers.projections import add_delta
from services.reporting.handlers.streets import add_office_delta
from shared.bus.subscriptions import ReceivedEvent
from shared.contracts.registry import CommunityClassified, CommunityReassessed, CommunityRegistered

__all__ = ["count_reassessed_community", "count_registered_community", "note_classification"]


async def _count_community(
    session: AsyncSession, event: ReceivedEvent[Any], day: date, *, entered: bool, eligible_change: int
) -> None:
    p = event.payload
    amounts = ledger_amounts(
        entered=entered,
        eligible_change=eligible_change,
        households=p.households,
        floor_area_m2=p.floor_area_m2,
    )
    if not amounts:
        return
    delta = figure_delta(p.programme_code, p.district_code, day, amounts)
    await add_delta(session, delta, event.now)
    add_office_delta(
        session, p.programme_code, p.district_code, p.street_office, day, delta.amounts, event.now
    )


async def count_registered_community(
    session: AsyncSession, event: ReceivedEvent[CommunityRegistered]
) -> None:
    """A surveyed community enters the ledger (Kaifeng 六(一)) on its registration date; if eligible,
    its households and floor area count as benefiting, in its district and its street office."""
    p = event.payload
    day = effective_day(event.envelope.time, p.registered_on)
    await _count_community(session, event, day, entered=True, eligible_change=1 if p.eligible else 0)
    await _note_listing(session, event, day, was_listed=False)


async def count_reassessed_community(
    session: AsyncSession, event: ReceivedEvent[CommunityReassessed]
) -> None:
    """A reassessment that changed eligibility moves the community in or out of the eligible figures
    on the reassessment date; one that kept it leaves every figure as it was."""
    p = event.payload
    change = int(p.eligible) - int(p.was_eligible)
    day = effective_day(event.envelope.time, p.reassessed_on)
    await _count_community(session, event, day, entered=False, eligible_change=change)


async def note_classification(session: AsyncSession, event: ReceivedEvent[CommunityClassified]) -> None:
    """A community put on (or taken off) the central-fund list (Kaifeng 三) on the classification
    date; tiers and demonstration status change no figure here."""
    p = event.payload
    day = effective_day(event.envelope.time, p.classified_on)
    await _note_listing(session, event, day, was_listed=p.was_centrally_funded)


async def _note_listing(
    session: AsyncSession, event: ReceivedEvent[Any], day: date, *, was_listed: bool
) -> None:
    p = event.payload
    await note_listing(
        session,
        community_id=p.community_id,
        programme_code=p.programme_code,
        district_code=p.district_code,
        listed=p.centrally_funded,
        was_listed=was_listed,
        day=day,
        now=event.now,
    )
