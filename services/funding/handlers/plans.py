"""Investment plan versions from the registry's PlanSubmitted and PlanApproved events."""

from __future__ import annotations

import uuid
from functools import partial

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.funding.domain.plans import PlanState, check_plan, funded_by
from services.funding.domain.programmes import ProfileLookup, bundled_profile
from services.funding.models.plans import InvestmentPlan, InvestmentPlanPublic, PlanItem, PlanItemPublic
from shared.bus.outbox import add_to_outbox
from shared.bus.subscriptions import ReceivedEvent
from shared.contracts.funding import InvestmentPlanned, PlannedItem
from shared.contracts.registry import PlanApproved, PlanSubmitted


async def record_plan(
    session: AsyncSession,
    event: ReceivedEvent[PlanSubmitted] | ReceivedEvent[PlanApproved],
    state: PlanState,
    profiles: ProfileLookup = bundled_profile,
) -> None:
    """Keep the plan version as a new row with its items and who funds each (never an overwrite)."""
    plan = event.payload
    exists = select(InvestmentPlan.id).where(
        InvestmentPlan.project_id == plan.project_id,
        InvestmentPlan.version == plan.version,
        InvestmentPlan.state == state,
    )
    if (await session.exec(exists)).first() is not None:
        return  # the same version announced again
    check_plan([(i.item_code, i.investment_fen) for i in plan.items], plan.investment_fen)
    dated_on = plan.approved_on if isinstance(plan, PlanApproved) else plan.submitted_on
    row = InvestmentPlan(
        project_id=plan.project_id,
        district_code=plan.district_code,
        programme_code=plan.programme_code,
        version=plan.version,
        state=state,
        dated_on=dated_on,
        investment_fen=plan.investment_fen,
        source_event_id=event.id,
        recorded_at=event.now,
    )
    session.add(row)
    await session.flush()
    profile = profiles(plan.programme_code)
    planned = []
    for item in plan.items:
        funder = funded_by(profile, item.item_code)
        session.add(
            PlanItem(
                plan_id=row.id,
                item_code=item.item_code,
                investment_fen=item.investment_fen,
                funded_by=",".join(funder.funders),
                funded_by_clause=funder.clause,
            )
        )
        planned.append(
            PlannedItem(
                item_code=item.item_code,
                investment_fen=item.investment_fen,
                funded_by=list(funder.funders),
                funded_by_clause=funder.clause,
            )
        )
    add_to_outbox(
        session,
        InvestmentPlanned(
            project_id=plan.project_id,
            district_code=plan.district_code,
            programme_code=plan.programme_code,
            version=plan.version,
            state=state.value,
            dated_on=dated_on,
            investment_fen=plan.investment_fen,
            items=planned,
        ),
    )


def plan_handlers(profiles: ProfileLookup) -> dict[type, object]:
    return {
        PlanSubmitted: partial(record_plan, state=PlanState.SUBMITTED, profiles=profiles),
        PlanApproved: partial(record_plan, state=PlanState.APPROVED, profiles=profiles),
    }


async def plans_of(session: AsyncSession, project_id: uuid.UUID) -> list[InvestmentPlanPublic]:
    """Every version of the project's plan, oldest first, each with its items."""
    query = select(InvestmentPlan).where(InvestmentPlan.project_id == project_id)
    rows = (await session.exec(query)).all()
    out = []
    for plan in sorted(rows, key=lambda p: (p.version, p.state != PlanState.SUBMITTED, p.recorded_at)):
        items = (
            await session.exec(select(PlanItem).where(PlanItem.plan_id == plan.id).order_by(col(PlanItem.id)))
        ).all()
        out.append(
            InvestmentPlanPublic(
                **plan.model_dump(include=set(InvestmentPlanPublic.model_fields) - {"items"}),
                items=[PlanItemPublic.model_validate(i) for i in items],
            )
        )
    return out
