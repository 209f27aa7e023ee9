"""Evaluation routes: the office publishes a month's evaluation once; everyone reads it as published."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.reporting.api.deps import ProfilesDep, ProgrammeQuery, Reader
from services.reporting.domain.evaluations import MONTH_PATTERN
from services.reporting.handlers import evaluations as handlers
from services.reporting.models.evaluations import EvaluationCreate, EvaluationPublic
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["evaluations"])
MonthPath = Annotated[str, Path(pattern=MONTH_PATTERN, description="The month, e.g. 2026-10.")]


@router.post("/evaluations", response_model=EvaluationPublic, status_code=201)
async def publish_evaluation(
    body: EvaluationCreate,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    idempotency: IdempotencyDep,
) -> object:
    """Publish a finished month's evaluation (office only, once); its figures are frozen from then on."""
    return await idempotency.run(
        session,
        lambda: handlers.publish_evaluation(session, actor, body, now, profiles),
        response_model=EvaluationPublic,
        status_code=201,
    )


@router.get("/evaluations", response_model=list[EvaluationPublic])
async def list_evaluations(
    session: SessionDep, actor: Reader, profiles: ProfilesDep, programme: ProgrammeQuery
) -> object:
    """A programme's published evaluations, newest first."""
    return await handlers.list_evaluations(session, actor, programme, profiles)


@router.get("/evaluations/{month}", response_model=EvaluationPublic)
async def read_evaluation(
    month: MonthPath, session: SessionDep, actor: Reader, profiles: ProfilesDep, programme: ProgrammeQuery
) -> object:
    """One month's evaluation, exactly as published."""
    return await handlers.get_evaluation(session, actor, programme, month, profiles)
