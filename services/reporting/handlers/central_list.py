"""The central-fund list (Kaifeng 三): which communities are listed, which projects renovate them,
and how far the listed communities are along the plan's milestones as of a day.

The directories are written with one `INSERT .. ON CONFLICT` each, never read back first: a
community's events are keyed by the community (so arrive in order) and a project's by the project.
Progress joins them at read time, so a tender heard before its community was listed still counts.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import case, event, func, select
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.central_list import (
    ListMilestone,
    central_list_milestones,
    milestone_progress,
)
from services.reporting.domain.programmes import Profiles, programme
from services.reporting.handlers.upserts import INSERTS
from services.reporting.models.central_list import (
    CentralListDistrictPublic,
    CentralListing,
    CentralListProgressPublic,
    CentralMilestonePublic,
    MilestoneFigures,
    ProjectMember,
)
from services.reporting.models.streets import ProjectStreet
from shared.access import Principal, sees_district
from shared.db.dialect_insert import insert_for
from shared.policy import RuleAbsentError, get_profile
from shared.policy.rules.central_funds import central_subsidy

__all__ = ["central_list_progress", "note_listing", "remember_members"]


async def note_listing(
    session: AsyncSession,
    *,
    community_id: uuid.UUID,
    programme_code: str,
    district_code: str,
    listed: bool,
    was_listed: bool,
    day: date,
    now: datetime,
) -> None:
    """Record a community joining or leaving the central-fund list on `day`.

    Args:
        session: the handler's unit of work.
        community_id: the community.
        programme_code: its programme.
        district_code: its district.
        listed: on the list after the event.
        was_listed: on the list before it (a registration: False).
        day: the day the change took effect (registration or classification date).
        now: the service clock, stored as `updated_at`.
    """
    if listed == was_listed:
        return
    table = CentralListing.__table__  # type: ignore[attr-defined]
    statement = insert_for(session)(table).values(
        community_id=community_id,
        programme_code=programme_code,
        district_code=district_code,
        listed=listed,
        listed_on=day,
        updated_at=now,
    )
    excluded = statement.excluded
    await session.exec(  # type: ignore[call-overload]
        statement.on_conflict_do_update(
            index_elements=["community_id"],
            set_={
                "listed": excluded.listed,
                # a community taken off the list keeps the day it was listed, for the record
                "listed_on": case((excluded.listed, excluded.listed_on), else_=table.c.listed_on),
                "updated_at": excluded.updated_at,
            },
        )
    )


async def remember_members(
    session: AsyncSession, project_id: uuid.UUID, community_ids: Iterable[uuid.UUID]
) -> None:
    """Record the communities a project renovates (its own and its contiguous group's), once.

    The rows are kept on the unit of work and inserted in one statement just before it commits
    (`_write_members`), so a replay's batch of registrations is one round trip, not one each.

    Args:
        session: the handler's unit of work.
        project_id: the project.
        community_ids: every community it renovates.
    """
    pending: set[tuple[uuid.UUID, uuid.UUID]] = session.sync_session.info.setdefault(_PENDING, set())
    pending.update((project_id, c) for c in community_ids)


_PENDING = "reporting.pending_project_members"


@event.listens_for(Session, "before_commit")
def _write_members(session: Session) -> None:
    """Insert the transaction's project members (insert-once, in key order) before it commits."""
    pending: set[tuple[uuid.UUID, uuid.UUID]] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    dialect = session.get_bind().dialect.name
    rows = [{"project_id": p, "community_id": c} for p, c in sorted(pending)]
    session.execute(_member_insert(dialect), rows)


@cache
def _member_insert(dialect: str) -> Any:
    table = ProjectMember.__table__  # type: ignore[attr-defined]
    return INSERTS[dialect](table).on_conflict_do_nothing()


@event.listens_for(Session, "after_soft_rollback")
def _drop_members(session: Session, previous_transaction: object) -> None:
    """A rolled-back transaction's members are never written."""
    session.info.pop(_PENDING, None)


async def _community_days(
    session: AsyncSession, programme_code: str, as_of: date, milestones: tuple[ListMilestone, ...]
) -> list[Any]:
    """Each community listed by `as_of`: its district and, per milestone, the first day a project
    renovating it reached that step (None when none has)."""
    listing = CentralListing.__table__  # type: ignore[attr-defined]
    member = ProjectMember.__table__  # type: ignore[attr-defined]
    street = ProjectStreet.__table__  # type: ignore[attr-defined]
    query = (
        select(
            listing.c.district_code,
            listing.c.community_id,
            *(func.min(street.c[m.day_column]) for m in milestones),
        )
        .select_from(listing)
        .outerjoin(member, member.c.community_id == listing.c.community_id)
        .outerjoin(street, street.c.project_id == member.c.project_id)
        .where(
            listing.c.programme_code == programme_code,
            listing.c.listed.is_(True),
            listing.c.listed_on <= as_of,
        )
        .group_by(listing.c.district_code, listing.c.community_id)
    )
    return list((await session.exec(query)).all())  # type: ignore[call-overload]


async def central_list_progress(
    session: AsyncSession,
    actor: Principal,
    programme_code: str,
    as_of: date,
    profiles: Profiles = get_profile,
) -> CentralListProgressPublic:
    """The list's progress on `as_of`, over the districts the actor may read.

    Args:
        session: a read session.
        actor: the caller; a district sees its own district only.
        programme_code: the programme.
        as_of: the day the figures are as of (its end).
        profiles: where profiles come from.

    Returns:
        City-wide milestones and each district's; a plan with no list gives no milestones.
    """
    profile = programme(profiles, programme_code)
    try:
        subsidy = central_subsidy(profile)
        funded, clause = subsidy.funded_communities, subsidy.clause
    except RuleAbsentError:
        funded, clause = None, None
    milestones = central_list_milestones(profile)
    # a plan that dates no list (every plan but Kaifeng's) has nothing to join: no query
    found = await _community_days(session, programme_code, as_of, milestones) if milestones else []
    rows = [r for r in found if sees_district(actor, r[0])]
    by_district: dict[str, list[Any]] = {}
    for row in rows:
        by_district.setdefault(row[0], []).append(row)

    def reached(found: list[Any], index: int) -> int:
        return sum(1 for r in found if r[2 + index] is not None and r[2 + index] <= as_of)

    def figures(m: ListMilestone, target: int, done: int) -> tuple[MilestoneFigures, Any]:
        p = milestone_progress(target, done, profile.issued_on, m.deadline.due_on, as_of)
        shown = MilestoneFigures(
            code=m.deadline.code,
            target=p.target,
            done=p.done,
            expected_by_now=p.expected_by_now,
            behind_by=p.behind_by,
            remaining=p.remaining,
            status=p.status.value,
        )
        return shown, p

    city_target = len(rows) if actor.is_district_bound or funded is None else max(funded, len(rows))
    city = []
    for i, m in enumerate(milestones):
        shown, p = figures(m, city_target, reached(rows, i))
        city.append(
            CentralMilestonePublic(
                **shown.model_dump(),
                step=m.step,
                met_when=m.deadline.met_when.value,
                due_on=m.deadline.due_on,
                clause=str(m.deadline.clause),
                description_zh=m.deadline.description_zh,
                description_en=m.deadline.description_en,
                weeks_left=p.weeks_left,
                needed_per_week=p.needed_per_week,
            )
        )
    districts = [
        CentralListDistrictPublic(
            district_code=code,
            listed=len(found),
            milestones=[figures(m, len(found), reached(found, i))[0] for i, m in enumerate(milestones)],
        )
        for code, found in sorted(by_district.items())
    ]
    return CentralListProgressPublic(
        programme_code=programme_code,
        as_of=as_of,
        funded_communities=funded,
        listed=len(rows),
        clause=str(clause) if clause else None,
        milestones=city,
        districts=districts,
    )
