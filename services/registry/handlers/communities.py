"""Registering surveyed communities in the ledger (台账) and reading them back."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.programmes import check_eligibility
from services.registry.models.communities import Community, CommunityCreate
from shared import audit
from shared.access import Principal, sees_district, writes_district
from shared.errors import Forbidden, NotFoundError


async def register_community(
    session: AsyncSession, actor: Principal, command: CommunityCreate, now: datetime
) -> Community:
    """Enter a surveyed community into the ledger of the caller's own district (eligible only)."""
    if not writes_district(actor, command.district_code):
        raise Forbidden("a district registers communities in its own district only")
    check_eligibility(command.programme_code, command.district_code, command.built_year, command.exclusions)
    community = Community.model_validate(command, update={"created_at": now})
    session.add(community)
    audit.record(
        session,
        actor,
        "community.registered",
        "community",
        community.id,
        after=command.model_dump(mode="json"),
    )
    return community


async def get_community(session: AsyncSession, actor: Principal, community_id: uuid.UUID) -> Community:
    """One community the caller may see (404 otherwise, so ids cannot be probed)."""
    community = await session.get(Community, community_id)
    if community is None or not sees_district(actor, community.district_code):
        raise NotFoundError(f"no community {community_id}")
    return community
