"""Weekly bulletins: computed once at publication, stored frozen, announced with their laggards."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.bulletins import Line, check_publishable, rank, restatements
from services.reporting.domain.periods import Period, period_span
from services.reporting.domain.programmes import Profiles, bound_districts, programme
from services.reporting.domain.targets import target_progress
from services.reporting.domain.weekly_reports import ReportStatus
from services.reporting.handlers.figures import district_counts
from services.reporting.handlers.targets import share
from services.reporting.handlers.weekly_reports import week_reports
from services.reporting.models.bulletins import (
    Bulletin,
    BulletinCreate,
    BulletinPublic,
    DistrictStanding,
    Restatement,
)
from shared import audit
from shared.access import Principal, sees_district
from shared.bus.outbox import add_to_outbox
from shared.contracts.reporting import BulletinPublished, DistrictLagging
from shared.directory.models import OrganisationKind
from shared.errors import Conflict, Forbidden, NotFound
from shared.policy import get_profile, has_targets

__all__ = ["get_bulletin", "list_bulletins", "publish_bulletin"]

_LATE = {ReportStatus.LATE, ReportStatus.MISSING}


async def publish_bulletin(
    session: AsyncSession,
    actor: Principal,
    body: BulletinCreate,
    now: datetime,
    profiles: Profiles = get_profile,
) -> BulletinPublic:
    """Publish a week's bulletin: rank, laggards, late reports, restatements; then it is frozen.

    Raises:
        Forbidden: only the leading-group office publishes bulletins.
        RuleViolation: unknown programme, or the week is not over.
        Conflict: the week's bulletin is already published (published figures never change).
    """
    if actor.org_kind is not OrganisationKind.OFFICE:
        raise Forbidden("only the leading-group office publishes the weekly bulletin")
    profile = programme(profiles, body.programme_code)
    week = period_span(Period.WEEK, body.week_of)
    check_publishable(week, now)
    counts = await district_counts(session, profile.code, week.end, since=week.start)
    targeted = has_targets(profile)
    lines = []
    for code in sorted({*bound_districts(profile), *counts}):
        c = counts.get(code)
        task, done, this_week = (c.registered, c.accepted, c.accepted_since) if c else (0, 0, 0)
        progress = target_progress(profile, task, done, week.end) if targeted else None
        lines.append(Line(code, task, done, this_week, progress))
    reports: dict[str, ReportStatus] = {}
    if profile.supervision.weekly_report is not None:
        standing = await week_reports(session, actor, profile.code, week.start, now, profiles)
        reports = {r.reporter_code: r.status for r in standing.reporters}
    standings = [
        _standing(i + 1, line, reports.get(line.district_code)) for i, line in enumerate(rank(lines))
    ]
    restated = await _restatements(session, profile.code, week.start)
    bulletin_id = uuid.uuid4()
    content = {
        "standings": [s.model_dump(mode="json") for s in standings],
        "lagging": [s.district_code for s in standings if s.lagging],
        "late_reports": sorted(code for code, status in reports.items() if status in _LATE),
        "restatements": [r.model_dump(mode="json") for r in restated],
    }
    row = Bulletin(
        id=bulletin_id,
        programme_code=profile.code,
        week_start=week.start,
        week=week.label,
        as_of=week.end,
        published_at=now,
        published_by=actor.subject,
        content=content,
    )
    await _insert_once(session, row)
    audit.record(session, actor, "bulletin.published", "bulletin", bulletin_id, after={"week": week.label})
    add_to_outbox(
        session,
        BulletinPublished(
            programme_code=profile.code,
            bulletin_id=bulletin_id,
            week=week.label,
            as_of=week.end,
            published_at=now,
            districts=len(standings),
            lagging=len(content["lagging"]),
            late_reports=len(content["late_reports"]),
        ),
    )
    for line in lines:
        if line.lagging and line.progress is not None:
            add_to_outbox(
                session,
                DistrictLagging(
                    programme_code=profile.code,
                    bulletin_id=bulletin_id,
                    district_code=line.district_code,
                    week=week.label,
                    as_of=week.end,
                    done=line.done,
                    expected_by_now=line.progress.expected_by_now,
                    target_by_year_end=line.progress.target_by_year_end,
                    needed_per_week=line.progress.needed_per_week,
                ),
            )
    return _public(row, actor)


def _standing(rank_no: int, line: Line, report: ReportStatus | None) -> DistrictStanding:
    p = line.progress
    return DistrictStanding(
        rank=rank_no,
        district_code=line.district_code,
        task=line.task,
        done=line.done,
        done_share=share(line.share),
        accepted_this_week=line.accepted_this_week,
        expected_by_now=p.expected_by_now if p else None,
        target_by_year_end=p.target_by_year_end if p else None,
        needed_per_week=p.needed_per_week if p else None,
        lagging=line.lagging,
        report_status=report.value if report else None,
    )


async def _insert_once(session: AsyncSession, row: Bulletin) -> None:
    table = Bulletin.__table__  # type: ignore[attr-defined]
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert  # type: ignore[union-attr]
    statement = (
        insert(table)
        .values(**{c.name: getattr(row, c.name) for c in table.columns})
        .on_conflict_do_nothing(index_elements=["programme_code", "week_start"])
        .returning(table.c.id)
    )
    if (await session.exec(statement)).first() is None:  # type: ignore[call-overload]
        raise Conflict(f"the bulletin of {row.week} is already published; its figures are frozen")


async def _restatements(session: AsyncSession, programme_code: str, before: date) -> list[Restatement]:
    """What later events changed in the figures of the previous published bulletin."""
    query = (
        select(Bulletin)
        .where(Bulletin.programme_code == programme_code, Bulletin.week_start < before)
        .order_by(Bulletin.week_start.desc())  # type: ignore[attr-defined]
        .limit(1)
    )
    found = (await session.exec(query)).first()  # type: ignore[call-overload]
    if found is None:
        return []
    previous: Bulletin = found[0]
    published = {s["district_code"]: s for s in previous.content["standings"]}
    counts = await district_counts(session, programme_code, previous.as_of)
    now = {code: {"task": c.registered, "done": c.accepted} for code, c in counts.items()}
    return [
        Restatement(week=previous.week, district_code=d, figure=f, published=a, now=b, change=b - a)
        for d, f, a, b in restatements(published, now)
    ]


def _public(row: Bulletin, actor: Principal) -> BulletinPublic:
    """The frozen bulletin; a district sees its own line, its own restatements and its own name in
    the lists only."""
    content = row.content
    standings = [DistrictStanding(**s) for s in content["standings"]]
    lagging, late = list(content["lagging"]), list(content["late_reports"])
    restated = [Restatement(**r) for r in content["restatements"]]
    if actor.is_district_bound:
        restated = [r for r in restated if sees_district(actor, r.district_code)]
        standings = [s for s in standings if sees_district(actor, s.district_code)]
        lagging = [code for code in lagging if sees_district(actor, code)]
        late = [code for code in late if code == actor.org_code or sees_district(actor, code)]
    return BulletinPublic(
        id=row.id,
        programme_code=row.programme_code,
        week=row.week,
        week_start=row.week_start,
        as_of=row.as_of,
        published_at=row.published_at,
        published_by=row.published_by,
        standings=standings,
        lagging=lagging,
        late_reports=late,
        restatements=restated,
    )


async def get_bulletin(session: AsyncSession, actor: Principal, bulletin_id: uuid.UUID) -> BulletinPublic:
    """A published bulletin, exactly as published."""
    row = await session.get(Bulletin, bulletin_id)
    if row is None:
        raise NotFound(f"no bulletin {bulletin_id}")
    return _public(row, actor)


async def list_bulletins(
    session: AsyncSession, actor: Principal, programme_code: str, profiles: Profiles = get_profile
) -> list[BulletinPublic]:
    """A programme's published bulletins, newest first.

    Raises:
        RuleViolation: no programme has this code (field `programme`).
    """
    programme_code = programme(profiles, programme_code, field="programme").code
    query = (
        select(Bulletin).where(Bulletin.programme_code == programme_code).order_by(Bulletin.week_start.desc())  # type: ignore[attr-defined]
    )
    return [_public(row[0], actor) for row in (await session.exec(query)).all()]  # type: ignore[call-overload]
