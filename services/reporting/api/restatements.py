"""Restatement route: what late events changed in the published bulletins and evaluations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.reporting.api.deps import ProfilesDep, ProgrammeQuery, Reader
from services.reporting.handlers import restatements as handlers
from services.reporting.models.restatements import RestatementPublic
from shared.web.deps import SessionDep

router = APIRouter(tags=["restatements"])


@router.get("/restatements", response_model=list[RestatementPublic])
async def list_restatements(
    session: SessionDep,
    actor: Reader,
    profiles: ProfilesDep,
    programme: ProgrammeQuery,
    limit: Annotated[int, Query(ge=1, le=12, description="How many latest publications of each kind.")] = 4,
) -> object:
    """Published figures that events arriving later changed (the publications themselves never change)."""
    return await handlers.restatements(session, actor, programme, limit, profiles)
