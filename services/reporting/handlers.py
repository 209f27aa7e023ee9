"""Projection updates from registry and funding events, and the subscription table at the end."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.models import DistrictRollup
from shared.access import Principal, sees_district, visible_district
from shared.bus.subscriptions import ReceivedEvent, Subscriptions
from shared.clock import utcnow
from shared.contracts.funding import SubsidyApproved
from shared.contracts.registry import ProjectAccepted, ProjectRegistered
from shared.errors import NotFoundError


async def _rollup(session: AsyncSession, district_code: str) -> DistrictRollup:
    rollup = await session.get(DistrictRollup, district_code)
    if rollup is None:
        rollup = DistrictRollup(district_code=district_code, updated_at=utcnow())
        session.add(rollup)
    return rollup


async def count_registered_project(session: AsyncSession, event: ReceivedEvent[ProjectRegistered]) -> None:
    """A registered project joins its district's project count."""
    rollup = await _rollup(session, event.payload.district_code)
    rollup.registered_projects += 1
    rollup.updated_at = utcnow()


async def count_accepted_project(session: AsyncSession, event: ReceivedEvent[ProjectAccepted]) -> None:
    """An accepted project joins its district's accepted count."""
    rollup = await _rollup(session, event.payload.district_code)
    rollup.accepted_projects += 1
    rollup.updated_at = utcnow()


async def add_approved_award(session: AsyncSession, event: ReceivedEvent[SubsidyApproved]) -> None:
    """An approved award adds to its district's approved total."""
    rollup = await _rollup(session, event.payload.district_code)
    rollup.approved_award_fen += event.payload.amount_fen
    rollup.updated_at = utcnow()


async def list_district_rollups(session: AsyncSession, actor: Principal) -> list[DistrictRollup]:
    query = select(DistrictRollup).order_by(DistrictRollup.district_code)
    if (district := visible_district(actor)) is not None:
        query = query.where(DistrictRollup.district_code == district)
    return list((await session.exec(query)).all())


async def get_district_rollup(session: AsyncSession, actor: Principal, district_code: str) -> DistrictRollup:
    rollup = await session.get(DistrictRollup, district_code)
    if rollup is None or not sees_district(actor, district_code):
        raise NotFoundError(f"no figures for district {district_code}")
    return rollup


SUBSCRIPTIONS = Subscriptions(
    {
        ProjectRegistered: count_registered_project,
        ProjectAccepted: count_accepted_project,
        SubsidyApproved: add_approved_award,
    }
)
