"""The ledger of communities (台账): every surveyed community with its eligibility outcome.

Kaifeng 六(一) surveys all old communities and builds its project library from them, so an
ineligible community is recorded too, with every reason and its clause; only an eligible one can
open a project. A correction re-assesses and keeps the earlier assessment.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.areas import check_central_fund_list
from services.registry.domain.community_events import (
    community_classified,
    community_reassessed,
    community_registered,
)
from services.registry.domain.programmes import assess, check_tier, programme, reasons
from services.registry.handlers.central_fund_lock import lock_central_fund_list
from services.registry.handlers.deadlines import overdue_project_ids
from services.registry.handlers.projects import present as present_project
from services.registry.models.bounds import text_filter
from services.registry.models.communities import (
    AssessmentPublic,
    Classification,
    Community,
    CommunityAssessment,
    CommunityCreate,
    CommunityHistory,
    CommunityPublic,
    Reassessment,
)
from services.registry.models.projects import Project, ProjectCommunity
from shared import audit
from shared.access import Principal, sees_district, visible_district, writes_district
from shared.bus.outbox import add_to_outbox
from shared.clock import shanghai_date
from shared.db.returned_columns import returned_columns
from shared.errors import Forbidden, NotFoundError

PUBLIC_COLUMNS = returned_columns(Community.__table__, CommunityPublic)  # type: ignore[attr-defined]
"""What a page of the ledger selects: the columns `CommunityPublic` returns."""


def _assessment(
    community: Community, actor: Principal, now: datetime, note: str | None
) -> CommunityAssessment:
    decision = assess(
        community.programme_code, community.district_code, community.built_year, community.exclusions
    )
    community.eligible = decision.eligible
    community.eligibility = reasons(community.programme_code, decision)
    return CommunityAssessment(
        community_id=community.id,
        built_year=community.built_year,
        exclusions=list(community.exclusions),
        eligible=community.eligible,
        eligibility=community.eligibility,
        note=note,
        actor_org=actor.org_code,
        assessed_at=now,
    )


async def register_community(
    session: AsyncSession, actor: Principal, command: CommunityCreate, now: datetime
) -> Community:
    """Enter a surveyed community into the ledger of the caller's own district, eligible or not;
    announces CommunityRegistered."""
    if not writes_district(actor, command.district_code):
        raise Forbidden("a district registers communities in its own district only")
    community = Community.model_validate(command, update={"created_at": now, "updated_at": now})
    assessment = _assessment(community, actor, now, note=None)
    session.add(community)
    session.add(assessment)
    add_to_outbox(session, community_registered(community, shanghai_date(now)))
    audit.record(
        session,
        actor,
        "community.registered",
        "community",
        community.id,
        after={**command.model_dump(mode="json"), "eligible": community.eligible},
    )
    return community


async def _writable(session: AsyncSession, actor: Principal, community_id: uuid.UUID) -> Community:
    community = await session.get(Community, community_id, with_for_update=True, populate_existing=True)
    if community is None or not writes_district(actor, community.district_code):
        raise NotFoundError(f"no community {community_id}")
    return community


async def reassess(
    session: AsyncSession, actor: Principal, community_id: uuid.UUID, command: Reassessment, now: datetime
) -> Community:
    """Correct the facts eligibility rests on and assess again; the earlier assessment is kept.
    Announces CommunityReassessed (with the eligibility before), changed or not: a re-assessment
    was recorded."""
    community = await _writable(session, actor, community_id)
    before = {
        "built_year": community.built_year,
        "exclusions": community.exclusions,
        "eligible": community.eligible,
    }
    community.built_year = command.built_year
    community.exclusions = list(command.exclusions)
    community.updated_at = now
    session.add(_assessment(community, actor, now, note=command.note))
    session.add(community)
    add_to_outbox(
        session,
        community_reassessed(
            community, was_eligible=bool(before["eligible"]), reassessed_on=shanghai_date(now)
        ),
    )
    audit.record(
        session,
        actor,
        "community.reassessed",
        "community",
        community.id,
        before=before,
        after={**command.model_dump(mode="json"), "eligible": community.eligible},
    )
    return community


async def classify(
    session: AsyncSession, actor: Principal, community_id: uuid.UUID, command: Classification, now: datetime
) -> Community:
    """Set the library tier and the demonstration and central-fund flags; announces
    CommunityClassified when any of them changed.

    Putting a community on the central-fund list first takes the programme's list lock, so of
    N concurrent requests for the last place exactly one gets it (the rest: 422, list full).
    """
    community = await _writable(session, actor, community_id)
    check_tier(community.programme_code, command.tier)
    if command.centrally_funded and not community.centrally_funded:
        await lock_central_fund_list(session, community.programme_code)
        listed = await session.exec(
            select(func.count()).where(
                Community.programme_code == community.programme_code, col(Community.centrally_funded)
            )
        )
        check_central_fund_list(programme(community.programme_code), int(listed.one()))
    before = {
        "tier": community.tier,
        "demonstration": community.demonstration,
        "centrally_funded": community.centrally_funded,
    }
    was = (community.tier, community.demonstration, community.centrally_funded)
    community.tier = command.tier
    community.demonstration = command.demonstration
    community.centrally_funded = command.centrally_funded
    community.updated_at = now
    session.add(community)
    if (community.tier, community.demonstration, community.centrally_funded) != was:
        add_to_outbox(session, community_classified(community, was=was, classified_on=shanghai_date(now)))
    audit.record(
        session,
        actor,
        "community.classified",
        "community",
        community.id,
        before=before,
        after=command.model_dump(),
    )
    return community


async def get_community(session: AsyncSession, actor: Principal, community_id: uuid.UUID) -> Community:
    """One community the caller may see (404 otherwise, so ids cannot be probed)."""
    community = await session.get(Community, community_id)
    if community is None or not sees_district(actor, community.district_code):
        raise NotFoundError(f"no community {community_id}")
    return community


async def assessments(
    session: AsyncSession, actor: Principal, community_id: uuid.UUID
) -> list[AssessmentPublic]:
    """Every assessment of the community, oldest first."""
    await get_community(session, actor, community_id)
    query = (
        select(CommunityAssessment)
        .where(CommunityAssessment.community_id == community_id)
        .order_by(col(CommunityAssessment.id))
    )
    return [
        AssessmentPublic.model_validate(a, from_attributes=True) for a in (await session.exec(query)).all()
    ]


async def list_communities(
    session: AsyncSession,
    actor: Principal,
    *,
    filters: dict[str, object],
    limit: int,
    offset: int,
    overdue: bool | None = None,
    now: datetime | None = None,
) -> tuple[list[Row[Any]], int]:
    """The communities the caller may see, filtered (None: any), oldest first; and their total.

    The page is rows of the columns `CommunityPublic` returns (attribute access as on a loaded
    community), read without the ORM's identity map: a list only presents them.

    Args:
        overdue: True for communities with a project that has a step past its deadline, False
            for the others, None for all; needs `now`.
    """
    matchable, street_office = text_filter(filters.get("street_office"))  # type: ignore[arg-type]
    if not matchable:
        return [], 0
    filters = {**filters, "street_office": street_office}
    conditions = [getattr(Community, name) == value for name, value in filters.items() if value is not None]
    if overdue is not None:
        if now is None:
            raise ValueError("the overdue filter needs now")
        late = overdue_project_ids(now, filters.get("programme_code"))  # type: ignore[arg-type]
        if late is None and overdue:
            return [], 0
        if late is not None:
            with_late = select(Project.community_id).where(col(Project.id).in_(select(late.subquery().c.id)))
            member = col(Community.id)
            conditions.append(member.in_(with_late) if overdue else member.not_in(with_late))
    if (own := visible_district(actor)) is not None:
        conditions.append(Community.district_code == own)
    total = (await session.exec(select(func.count()).select_from(Community).where(*conditions))).one()
    order = (col(Community.created_at), col(Community.id))
    # The page's ids first (from an index), then their rows: sorting whole ledger rows to skip
    # `offset` of them took seconds on a 20,000-community SQLite ledger. The order indexes hold
    # every filter too (registry migration 0011), so the ids and the total are read from an
    # index; a new filter joins them (tests/handlers/registry/test_community_list_plans.py reads
    # the plans).
    ids = select(Community.id).where(*conditions).order_by(*order).limit(limit).offset(offset)
    page = select(*PUBLIC_COLUMNS).where(col(Community.id).in_(ids)).order_by(*order)
    return list((await session.exec(page)).all()), int(total)


async def history(session: AsyncSession, actor: Principal, community_id: uuid.UUID) -> CommunityHistory:
    """The community, every assessment and every project on it (each oldest first), a contiguous
    group's project (集中连片) included where the community is one of its further communities."""
    community = await get_community(session, actor, community_id)
    in_group = select(ProjectCommunity.project_id).where(ProjectCommunity.community_id == community_id)
    query = (
        select(Project)
        .where(or_(Project.community_id == community_id, col(Project.id).in_(in_group)))
        .order_by(col(Project.created_at), col(Project.id))
    )
    return CommunityHistory(
        community=CommunityPublic.model_validate(community, from_attributes=True),
        assessments=await assessments(session, actor, community_id),
        projects=[present_project(p) for p in (await session.exec(query)).all()],
    )
