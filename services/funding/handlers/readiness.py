"""The central-fund ranking's read model, kept from the registry's lifecycle events.

Events of one project arrive in order (keyed by project id) but a handler may be the first to
hear of a project (funding started late, a replay): each one creates the row when missing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.funding.models.readiness import ProjectReadiness, ReadinessStep
from shared.bus.subscriptions import ReceivedEvent
from shared.contracts.registry import (
    ConstructionCompleted,
    ConstructionStarted,
    ProgressReported,
    ProjectAccepted,
    ProjectRegistered,
    ReviewPassed,
    TenderAwarded,
)

TENDER_STEP = "tender"
"""The step code a TenderAwarded records (the lifecycle's tender step, Kaifeng 七(五))."""


async def readiness_of(session: AsyncSession, event: Any, now: datetime) -> ProjectReadiness:
    """The project's row, locked, created from the event's project fields when missing."""
    row = await session.get(ProjectReadiness, event.project_id, with_for_update=True)
    if row is None:
        row = ProjectReadiness(
            project_id=event.project_id,
            district_code=event.district_code,
            programme_code=event.programme_code,
            updated_at=now,
        )
        session.add(row)
    row.updated_at = now
    return row


async def on_registered(session: AsyncSession, event: ReceivedEvent[ProjectRegistered]) -> None:
    row = await readiness_of(session, event.payload, event.now)
    row.name = event.payload.name[:200]
    row.investment_fen = event.payload.investment_fen


async def _step(session: AsyncSession, event: Any, step: str, done_on: Any) -> None:
    await readiness_of(session, event.payload, event.now)
    exists = select(ReadinessStep.id).where(
        ReadinessStep.project_id == event.payload.project_id, ReadinessStep.step == step
    )
    if (await session.exec(exists)).first() is None:
        session.add(
            ReadinessStep(
                project_id=event.payload.project_id, step=step, done_on=done_on, source_event_id=event.id
            )
        )


async def on_review_passed(session: AsyncSession, event: ReceivedEvent[ReviewPassed]) -> None:
    await _step(session, event, event.payload.step, event.payload.passed_on)


async def on_tender_awarded(session: AsyncSession, event: ReceivedEvent[TenderAwarded]) -> None:
    await _step(session, event, TENDER_STEP, event.payload.awarded_on)


async def on_started(session: AsyncSession, event: ReceivedEvent[ConstructionStarted]) -> None:
    row = await readiness_of(session, event.payload, event.now)
    row.started_on = event.payload.started_on


async def on_progress(session: AsyncSession, event: ReceivedEvent[ProgressReported]) -> None:
    """The latest report's mean item progress, in whole percent (rounded down)."""
    items = event.payload.items
    if not items:
        return
    row = await readiness_of(session, event.payload, event.now)
    row.progress_percent = sum(i.percent_complete for i in items) // len(items)


async def on_completed(session: AsyncSession, event: ReceivedEvent[ConstructionCompleted]) -> None:
    row = await readiness_of(session, event.payload, event.now)
    row.completed_on = event.payload.completed_on


async def on_accepted(session: AsyncSession, event: ReceivedEvent[ProjectAccepted]) -> None:
    row = await readiness_of(session, event.payload, event.now)
    row.accepted_on = event.payload.accepted_on
    if row.investment_fen is None:
        row.investment_fen = event.payload.investment_fen


def readiness_handlers() -> dict[type, object]:
    """Subscriptions for the read model (ProjectAccepted is chained in after the award's handler)."""
    return {
        ProjectRegistered: on_registered,
        ReviewPassed: on_review_passed,
        TenderAwarded: on_tender_awarded,
        ConstructionStarted: on_started,
        ProgressReported: on_progress,
        ConstructionCompleted: on_completed,
    }
