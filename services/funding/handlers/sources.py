"""Funding sources per project: commitments and receipts the district records, the city award
from the journal, and the projects whose sources do not cover their investment."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.funding.domain.plans import PlanState
from services.funding.domain.programmes import ProfileLookup, bundled_profile
from services.funding.domain.sources import CITY_AWARD, SourceEntryKind, SourceLine, check_entry, shortfall
from services.funding.handlers import journal
from services.funding.models import Award
from services.funding.models.plans import InvestmentPlan
from services.funding.models.sources import SourceEntry, SourceEntryCreate, SourceLinePublic, SourcesPublic
from shared import audit
from shared.access import Principal, sees_district, visible_district, writes_district
from shared.bus.outbox import add_to_outbox
from shared.contracts.funding import FundingCommitted
from shared.errors import Forbidden, NotFound


@dataclass(frozen=True)
class _Project:
    project_id: uuid.UUID
    district_code: str
    programme_code: str
    investment_fen: int | None


async def _project(session: AsyncSession, project_id: uuid.UUID, *, lock: bool = False) -> _Project | None:
    """What funding knows of a project from its plans (locked, to serialise its entries) or award."""
    query = select(InvestmentPlan).where(InvestmentPlan.project_id == project_id)
    plans = list((await session.exec(query.with_for_update() if lock else query)).all())
    approved = sorted((p for p in plans if p.state == PlanState.APPROVED), key=lambda p: p.version)
    award_query = select(Award).where(Award.project_id == project_id)
    award = (await session.exec(award_query.with_for_update() if lock and not plans else award_query)).first()
    known = plans[0] if plans else award
    if known is None:
        return None
    investment = (
        approved[-1].investment_fen if approved else (award.planned_investment_fen if award else None)
    )
    return _Project(project_id, known.district_code, known.programme_code, investment)


async def record_entry(
    session: AsyncSession,
    actor: Principal,
    project_id: uuid.UUID,
    body: SourceEntryCreate,
    now: datetime,
    profiles: ProfileLookup = bundled_profile,
) -> SourcesPublic:
    """The project's district records a source's commitment or a receipt from it."""
    project = await _project(session, project_id, lock=True)
    if project is None or not sees_district(actor, project.district_code):
        raise NotFound(f"funding knows no project {project_id}")
    if not writes_district(actor, project.district_code):
        raise Forbidden("only the project's district records its funding sources")
    profile = profiles(project.programme_code)
    if profile is None:
        raise NotFound(f"no programme {project.programme_code}")
    lines = await _lines(session, project_id)
    check_entry(profile, body.source_code, body.kind, body.amount_fen, lines)
    entry = SourceEntry(
        project_id=project_id,
        district_code=project.district_code,
        programme_code=project.programme_code,
        source_code=body.source_code,
        kind=body.kind,
        amount_fen=body.amount_fen,
        dated_on=body.dated_on,
        item_code=body.item_code,
        note=body.note,
        recorded_by=actor.org_code,
        recorded_at=now,
    )
    session.add(entry)
    audit.record(
        session,
        actor,
        f"funding_source.{body.kind}",
        "project",
        project_id,
        after={"source_code": body.source_code, "amount_fen": body.amount_fen},
    )
    await session.flush()
    sheet = await _present(session, project)
    if body.kind is SourceEntryKind.COMMITMENT:
        add_to_outbox(
            session,
            FundingCommitted(
                project_id=project_id,
                district_code=project.district_code,
                programme_code=project.programme_code,
                source_code=body.source_code,
                amount_fen=body.amount_fen,
                dated_on=body.dated_on,
                item_code=body.item_code,
                committed_fen=sheet.committed_fen,
                shortfall_fen=sheet.shortfall_fen,
            ),
        )
    return sheet


async def project_sources(session: AsyncSession, actor: Principal, project_id: uuid.UUID) -> SourcesPublic:
    project = await _project(session, project_id)
    if project is None or not sees_district(actor, project.district_code):
        raise NotFound(f"funding knows no project {project_id}")
    return await _present(session, project)


async def shortfalls(session: AsyncSession, actor: Principal) -> list[SourcesPublic]:
    """Projects with an approved plan whose sources (the award included) do not cover it."""
    query = select(InvestmentPlan.project_id).where(InvestmentPlan.state == PlanState.APPROVED).distinct()
    if (district := visible_district(actor)) is not None:
        query = query.where(InvestmentPlan.district_code == district)
    out = []
    for project_id in (await session.exec(query.order_by(col(InvestmentPlan.project_id)))).all():
        project = await _project(session, project_id)
        if project is not None:
            sheet = await _present(session, project)
            if sheet.covered is False:
                out.append(sheet)
    return out


async def _lines(session: AsyncSession, project_id: uuid.UUID) -> list[SourceLine]:
    entries = (await session.exec(select(SourceEntry).where(SourceEntry.project_id == project_id))).all()
    totals: dict[str, list[int]] = {}
    for entry in entries:
        line = totals.setdefault(entry.source_code, [0, 0])
        line[0 if entry.kind == SourceEntryKind.COMMITMENT else 1] += entry.amount_fen
    return [SourceLine(code, committed, received) for code, (committed, received) in totals.items()]


async def _present(session: AsyncSession, project: _Project) -> SourcesPublic:
    lines = await _lines(session, project.project_id)
    balances = await journal.project_balances(session, project.project_id)
    if balances.awarded_fen > 0:
        lines.append(SourceLine(CITY_AWARD, balances.awarded_fen, balances.paid_fen))
    committed = sum(line.committed_fen for line in lines)
    gap = shortfall(project.investment_fen, committed)
    return SourcesPublic(
        project_id=project.project_id,
        district_code=project.district_code,
        investment_fen=project.investment_fen,
        lines=[SourceLinePublic(**vars(line)) for line in lines],
        committed_fen=committed,
        received_fen=sum(line.received_fen for line in lines),
        shortfall_fen=gap,
        covered=None if gap is None else gap == 0,
    )
