"""Central-fund allocation (Kaifeng 三, 七(二), 七(三)): Housing proposes a ranked split of a central
amount over the listed projects; Finance approves it once, which commits each share as a
central-subsidy source, posts it to the journal and announces it. Nothing here commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.funding.domain import central_funds as rules
from services.funding.domain.plans import PlanState
from services.funding.domain.programmes import ProfileLookup, bundled_profile
from services.funding.domain.sources import SourceEntryKind
from services.funding.handlers import journal
from services.funding.models.central_funds import (
    AllocationCreate,
    AllocationLinePublic,
    AllocationPublic,
    AllocationStatus,
    CandidatePublic,
    CentralAllocation,
    CentralAllocationLine,
    LineOutcome,
)
from services.funding.models.plans import InvestmentPlan
from services.funding.models.readiness import ProjectReadiness, ReadinessStep
from services.funding.models.sources import SourceEntry
from shared import audit
from shared.access import Principal, visible_district
from shared.bus.outbox import add_to_outbox
from shared.clock import shanghai_date
from shared.contracts.funding import CentralAllocationApproved, CentralAllocationProposed, FundingCommitted
from shared.errors import FieldProblem, Forbidden, InvalidState, NotFound, RuleViolation
from shared.policy import ProgrammeProfile
from shared.policy.rules.central_funds import REMAINDER_RULE, allocate_central_funds, central_ranking


async def _known(
    session: AsyncSession, programme_code: str, only: Iterable[uuid.UUID] | None = None
) -> dict[uuid.UUID, rules.Known]:
    """Every project funding knows (from the registry's events) with its readiness and coverage."""
    wanted = None if only is None else set(only)
    readiness_query = select(ProjectReadiness)
    plans_query = select(InvestmentPlan)
    if wanted is not None:
        readiness_query = readiness_query.where(col(ProjectReadiness.project_id).in_(wanted))
        plans_query = plans_query.where(col(InvestmentPlan.project_id).in_(wanted))
    else:
        readiness_query = readiness_query.where(ProjectReadiness.programme_code == programme_code)
        plans_query = plans_query.where(InvestmentPlan.programme_code == programme_code)
    rows = {r.project_id: r for r in (await session.exec(readiness_query)).all()}
    plans = list((await session.exec(plans_query)).all())
    ids = set(rows) | {p.project_id for p in plans}
    approved: dict[uuid.UUID, InvestmentPlan] = {}
    first_plan: dict[uuid.UUID, InvestmentPlan] = {}
    for plan in plans:
        first_plan.setdefault(plan.project_id, plan)
        best = approved.get(plan.project_id)
        if plan.state == PlanState.APPROVED and (best is None or plan.version > best.version):
            approved[plan.project_id] = plan
    steps: dict[uuid.UUID, dict[str, object]] = {}
    if ids:
        for step in (
            await session.exec(select(ReadinessStep).where(col(ReadinessStep.project_id).in_(ids)))
        ).all():
            steps.setdefault(step.project_id, {})[step.step] = step.done_on
    committed: dict[uuid.UUID, int] = {}
    if ids:
        query = select(SourceEntry.project_id, SourceEntry.amount_fen).where(
            col(SourceEntry.project_id).in_(ids), SourceEntry.kind == SourceEntryKind.COMMITMENT
        )
        for project_id, amount in (await session.exec(query)).all():
            committed[project_id] = committed.get(project_id, 0) + amount
    out = {}
    for project_id in ids:
        row = rows.get(project_id)
        plan = approved.get(project_id)
        known_from = row or first_plan[project_id]
        awarded = (await journal.project_balances(session, project_id)).awarded_fen
        out[project_id] = rules.Known(
            project_id=project_id,
            district_code=known_from.district_code,
            programme_code=known_from.programme_code,
            name=row.name if row else None,
            steps=steps.get(project_id, {}),  # type: ignore[arg-type]
            progress_percent=row.progress_percent if row else None,
            completed=row is not None and (row.completed_on is not None or row.accepted_on is not None),
            investment_fen=plan.investment_fen if plan else (row.investment_fen if row else None),
            covered_fen=committed.get(project_id, 0) + awarded,
        )
    return out


def _profile(profiles: ProfileLookup, programme_code: str) -> ProgrammeProfile:
    profile = profiles(programme_code)
    if profile is None or not rules.has_central_funds(profile):
        raise RuleViolation(
            f"programme {programme_code!r} allocates no central funds",
            [
                FieldProblem(
                    "programme_code", "has_central_funds", "a programme whose profile ranks central funds"
                )
            ],
        )
    return profile


async def propose(
    session: AsyncSession,
    actor: Principal,
    body: AllocationCreate,
    now: datetime,
    profiles: ProfileLookup = bundled_profile,
) -> AllocationPublic:
    """The proposing department ranks the listed projects and splits the amount; an open proposal
    of the same programme is superseded. Announces CentralAllocationProposed."""
    profile = _profile(profiles, body.programme_code)
    if not rules.may_propose(actor, profile):
        raise Forbidden("only the department the programme names proposes the central-fund allocation")
    known = await _known(session, profile.code)
    if others := [i for i in body.listed_project_ids if i not in known]:
        known |= await _known(session, profile.code, only=others)  # to name another programme's
    rules.check_listed(profile, body.listed_project_ids, known)
    open_query = select(CentralAllocation).where(
        CentralAllocation.programme_code == profile.code,
        CentralAllocation.status == AllocationStatus.PROPOSED,
    )
    for older in (await session.exec(open_query.with_for_update())).all():
        older.status = AllocationStatus.SUPERSEDED
        session.add(older)
    listed = [known[p] for p in body.listed_project_ids]
    shares = allocate_central_funds(profile, body.amount_fen, [rules.candidate(profile, p) for p in listed])
    allocation = CentralAllocation(
        programme_code=profile.code,
        amount_fen=body.amount_fen,
        allocated_fen=sum(s.amount_fen for s in shares),
        status=AllocationStatus.PROPOSED,
        weights=rules.weights(profile),
        note=body.note,
        proposed_by=actor.org_code,
        proposed_at=now,
    )
    session.add(allocation)
    await session.flush()
    for share in shares:
        project = known[share.key]  # type: ignore[index]
        if share.amount_fen > 0:
            outcome, reason = LineOutcome.ALLOCATED, f"rank {share.rank}, score {share.score}"
        elif share.need_fen == 0:
            outcome, reason = LineOutcome.NO_REMAINING_NEED, "its sources already cover its investment"
        else:
            outcome, reason = (
                LineOutcome.NOTHING_LEFT,
                f"rank {share.rank}, score {share.score}: nothing left",
            )
        session.add(
            CentralAllocationLine(
                allocation_id=allocation.id,
                project_id=project.project_id,
                district_code=project.district_code,
                name=project.name,
                listed=True,
                rank=share.rank,
                score=share.score,
                approvals=share.approvals,
                progress=share.progress,
                investment=share.investment,
                need_fen=share.need_fen,
                amount_fen=share.amount_fen,
                outcome=outcome,
                reason=reason,
            )
        )
    listed_ids = set(body.listed_project_ids)
    for project in sorted(known.values(), key=lambda p: str(p.project_id)):
        if project.project_id not in listed_ids:
            session.add(
                CentralAllocationLine(
                    allocation_id=allocation.id,
                    project_id=project.project_id,
                    district_code=project.district_code,
                    name=project.name,
                    listed=False,
                    need_fen=rules.need_fen(project),
                    amount_fen=0,
                    outcome=LineOutcome.NOT_LISTED,
                    reason=rules.not_listed_reason(profile),
                )
            )
    add_to_outbox(
        session,
        CentralAllocationProposed(
            allocation_id=allocation.id,
            programme_code=profile.code,
            amount_fen=allocation.amount_fen,
            allocated_fen=allocation.allocated_fen,
            projects=sum(1 for s in shares if s.amount_fen > 0),
            proposed_by=actor.org_code,
        ),
    )
    audit.record(
        session,
        actor,
        "central_allocation.proposed",
        "central_allocation",
        allocation.id,
        after={"amount_fen": allocation.amount_fen, "allocated_fen": allocation.allocated_fen},
    )
    await session.flush()
    return await _present(session, actor, allocation)


async def approve(
    session: AsyncSession,
    actor: Principal,
    allocation_id: uuid.UUID,
    now: datetime,
    profiles: ProfileLookup = bundled_profile,
) -> AllocationPublic:
    """The allocating department approves a proposal once: each share becomes a central-subsidy
    commitment and a journal movement. The allocation row is locked before its state is read, so
    of N concurrent approvals one succeeds; a share above the project's need today is refused."""
    allocation = await session.get(CentralAllocation, allocation_id, with_for_update=True)
    if allocation is None:
        raise NotFound(f"no central-fund allocation {allocation_id}")
    profile = _profile(profiles, allocation.programme_code)
    if not rules.may_approve(actor, profile):
        raise Forbidden("only the department the programme names approves the central-fund allocation")
    if allocation.status != AllocationStatus.PROPOSED:
        raise InvalidState(
            f"allocation {allocation_id} is {allocation.status}, not proposed",
            current=allocation.status,
            allowed=[],
            errors=[
                FieldProblem("status", "allocation_must_be_proposed", f"current status: {allocation.status}")
            ],
        )
    lines = [line for line in await _lines(session, allocation.id) if line.amount_fen > 0]
    for line in sorted(lines, key=lambda x: str(x.project_id)):  # one order: no deadlock between approvals
        await session.get(ProjectReadiness, line.project_id, with_for_update=True)
    known = await _known(session, allocation.programme_code, only=[line.project_id for line in lines])
    stale = [
        FieldProblem(
            f"lines.{line.project_id}",
            "within_remaining_need",
            f"at most {rules.need_fen(known[line.project_id])} fen",
        )
        for line in lines
        if line.amount_fen > rules.need_fen(known[line.project_id])
    ]
    if stale:
        raise InvalidState(
            "a project's sources changed since the proposal; propose again",
            current="stale",
            allowed=["propose"],
            errors=stale,
        )
    allocation.status = AllocationStatus.APPROVED
    allocation.approved_by = actor.org_code
    allocation.approved_at = now
    session.add(allocation)
    today = shanghai_date(now)
    for line in lines:
        project = known[line.project_id]
        entry = SourceEntry(
            project_id=line.project_id,
            district_code=line.district_code,
            programme_code=allocation.programme_code,
            source_code=rules.CENTRAL_SUBSIDY,
            kind=SourceEntryKind.COMMITMENT,
            amount_fen=line.amount_fen,
            dated_on=today,
            note=f"central-fund allocation {allocation.id}, rank {line.rank}",
            recorded_by=actor.org_code,
            recorded_at=now,
        )
        session.add(entry)
        journal.post_central(session, line, now)
        committed = project.covered_fen + line.amount_fen
        add_to_outbox(
            session,
            FundingCommitted(
                project_id=line.project_id,
                district_code=line.district_code,
                programme_code=allocation.programme_code,
                source_code=rules.CENTRAL_SUBSIDY,
                amount_fen=line.amount_fen,
                dated_on=today,
                committed_fen=committed,
                shortfall_fen=None
                if project.investment_fen is None
                else max(project.investment_fen - committed, 0),
                allocation_id=allocation.id,
            ),
        )
    add_to_outbox(
        session,
        CentralAllocationApproved(
            allocation_id=allocation.id,
            programme_code=allocation.programme_code,
            amount_fen=allocation.amount_fen,
            allocated_fen=allocation.allocated_fen,
            projects=len(lines),
            approved_by=actor.org_code,
        ),
    )
    audit.record(
        session,
        actor,
        "central_allocation.approved",
        "central_allocation",
        allocation.id,
        before={"status": AllocationStatus.PROPOSED},
        after={"status": AllocationStatus.APPROVED, "allocated_fen": allocation.allocated_fen},
    )
    await session.flush()
    return await _present(session, actor, allocation)


async def list_allocations(
    session: AsyncSession,
    actor: Principal,
    programme_code: str | None = None,
    profiles: ProfileLookup = bundled_profile,
) -> list[AllocationPublic]:
    query = select(CentralAllocation).order_by(col(CentralAllocation.proposed_at))
    if programme_code is not None:
        _profile(profiles, programme_code)  # a programme without central funds is a 422, not []
        query = query.where(CentralAllocation.programme_code == programme_code)
    return [await _present(session, actor, a) for a in (await session.exec(query)).all()]


async def get_allocation(
    session: AsyncSession, actor: Principal, allocation_id: uuid.UUID
) -> AllocationPublic:
    allocation = await session.get(CentralAllocation, allocation_id)
    if allocation is None:
        raise NotFound(f"no central-fund allocation {allocation_id}")
    return await _present(session, actor, allocation)


async def candidates(
    session: AsyncSession, actor: Principal, programme_code: str, profiles: ProfileLookup = bundled_profile
) -> list[CandidatePublic]:
    """What the ranking reads for each project of the programme funding knows (a district: its own)."""
    profile = _profile(profiles, programme_code)
    steps = central_ranking(profile).approval_steps
    out = []
    for project in (await _known(session, profile.code)).values():
        if (district := visible_district(actor)) is not None and project.district_code != district:
            continue
        candidate = rules.candidate(profile, project)
        out.append(
            CandidatePublic(
                project_id=project.project_id,
                district_code=project.district_code,
                name=project.name,
                steps_done=[s for s in steps if s in candidate.steps_done],
                steps_complete_on=candidate.steps_complete_on,
                progress=candidate.progress,
                investment_fen=project.investment_fen,
                need_fen=candidate.need_fen,
            )
        )
    return sorted(out, key=lambda c: str(c.project_id))


async def _lines(session: AsyncSession, allocation_id: uuid.UUID) -> list[CentralAllocationLine]:
    query = select(CentralAllocationLine).where(CentralAllocationLine.allocation_id == allocation_id)
    return list((await session.exec(query)).all())


async def _present(
    session: AsyncSession, actor: Principal, allocation: CentralAllocation
) -> AllocationPublic:
    """The allocation with its lines, ranked first; a district sees only its own projects' lines."""
    lines = await _lines(session, allocation.id)
    if (district := visible_district(actor)) is not None:
        lines = [line for line in lines if line.district_code == district]
    lines.sort(key=lambda x: (x.rank is None, x.rank or 0, str(x.project_id)))
    return AllocationPublic(
        id=allocation.id,
        programme_code=allocation.programme_code,
        amount_fen=allocation.amount_fen,
        allocated_fen=allocation.allocated_fen,
        unallocated_fen=allocation.amount_fen - allocation.allocated_fen,
        status=allocation.status,
        weights=allocation.weights,
        formula=rules.FORMULA,
        remainder_rule=REMAINDER_RULE,
        note=allocation.note,
        proposed_by=allocation.proposed_by,
        proposed_at=allocation.proposed_at,
        approved_by=allocation.approved_by,
        approved_at=allocation.approved_at,
        lines=[AllocationLinePublic.model_validate(line, from_attributes=True) for line in lines],
    )
