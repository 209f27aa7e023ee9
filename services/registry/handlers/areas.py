"""Designating demonstration areas (示范区) and reading them; a district designates its own."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.areas import FIELD, area_rule, check_distinct, check_one_programme, check_size
from services.registry.domain.programmes import programme
from services.registry.models.areas import (
    AreaCreate,
    AreaPublic,
    DemonstrationArea,
    DemonstrationAreaCommunity,
)
from services.registry.models.communities import Community
from shared import audit
from shared.access import Principal, sees_district, visible_district, writes_district
from shared.errors import Conflict, FieldProblem, Forbidden, NotFoundError, RuleViolation


def _public(area: DemonstrationArea, community_ids: list[uuid.UUID]) -> AreaPublic:
    fields = area.model_dump()
    return AreaPublic.model_validate({**fields, "community_ids": sorted(community_ids, key=str)})


async def create_area(session: AsyncSession, actor: Principal, body: AreaCreate, now: datetime) -> AreaPublic:
    """Designate a demonstration area of the caller's district from its communities.

    Raises:
        Forbidden: the caller does not keep a district's ledger.
        RuleViolation: an unknown or repeated community, communities of several programmes, a
            programme without areas, or fewer communities than the plan's least number.
        Conflict: a community is already in an area (409).
    """
    if not actor.is_district_bound:
        raise Forbidden("a district designates the demonstration areas of its own ledger")
    check_distinct(body.community_ids)
    locked: dict[uuid.UUID, Community | None] = {}
    for community_id in sorted(body.community_ids, key=str):  # one lock order: no deadlock between areas
        locked[community_id] = await session.get(
            Community, community_id, with_for_update=True, populate_existing=True
        )
    communities: list[Community] = []
    problems = []
    for index, community_id in enumerate(body.community_ids):
        community = locked[community_id]
        if community is None or not writes_district(actor, community.district_code):
            problems.append(FieldProblem(f"{FIELD}.{index}", "exists", "no such community in your district"))
        else:
            communities.append(community)
    if problems:
        raise RuleViolation("the area's communities must be in your district's ledger", problems)
    code = check_one_programme([c.programme_code for c in communities])
    profile = programme(code)
    check_size(profile, area_rule(profile), len(communities))
    taken = (
        await session.exec(
            select(DemonstrationAreaCommunity.community_id).where(
                col(DemonstrationAreaCommunity.community_id).in_(body.community_ids)
            )
        )
    ).all()
    if taken:
        raise Conflict(
            "a community is in one demonstration area at most",
            [
                FieldProblem(f"{FIELD}.{index}", "one_area_per_community", str(cid))
                for index, cid in enumerate(body.community_ids)
                if cid in set(taken)
            ],
        )
    area = DemonstrationArea(
        name=body.name,
        district_code=communities[0].district_code,
        programme_code=code,
        area_km2=body.area_km2,
        note=body.note,
        actor_org=actor.org_code,
        created_at=now,
    )
    session.add(area)
    for community in communities:
        session.add(DemonstrationAreaCommunity(community_id=community.id, area_id=area.id))
    audit.record(
        session,
        actor,
        "demonstration_area.designated",
        "demonstration_area",
        area.id,
        after=body.model_dump(mode="json"),
    )
    return _public(area, list(body.community_ids))


async def _members(session: AsyncSession, area_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    rows = (
        await session.exec(
            select(DemonstrationAreaCommunity).where(col(DemonstrationAreaCommunity.area_id).in_(area_ids))
        )
    ).all()
    found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for row in rows:
        found[row.area_id].append(row.community_id)
    return found


async def get_area(session: AsyncSession, actor: Principal, area_id: uuid.UUID) -> AreaPublic:
    """One area the caller may see (404 otherwise)."""
    area = await session.get(DemonstrationArea, area_id)
    if area is None or not sees_district(actor, area.district_code):
        raise NotFoundError(f"no demonstration area {area_id}")
    return _public(area, (await _members(session, [area.id]))[area.id])


async def list_areas(
    session: AsyncSession,
    actor: Principal,
    *,
    programme_code: str | None,
    district_code: str | None,
    limit: int,
    offset: int,
) -> tuple[list[AreaPublic], int]:
    """The areas the caller may see, oldest first (id breaks ties); and their total."""
    query = select(DemonstrationArea)
    if (own := visible_district(actor)) is not None:
        query = query.where(DemonstrationArea.district_code == own)
    if programme_code is not None:
        query = query.where(DemonstrationArea.programme_code == programme_code)
    if district_code is not None:
        query = query.where(DemonstrationArea.district_code == district_code)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    ordered = query.order_by(col(DemonstrationArea.created_at), col(DemonstrationArea.id))
    page = ordered.limit(limit).offset(offset)
    areas = list((await session.exec(page)).all())
    members = await _members(session, [a.id for a in areas])
    return [_public(a, members[a.id]) for a in areas], int(total)
