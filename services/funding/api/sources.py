"""Funding-source routes: a project's commitments and receipts, and the projects short of funds.

Writes take funding:read as the coarse gate plus the fine rule that only the project's district
writes (a district write scope for funding belongs in shared/access.py).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.funding.api.deps import ProfilesDep, Reader
from services.funding.handlers import sources as handlers
from services.funding.models.sources import SourceEntryCreate, SourcesPublic
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["funding sources"])


@router.post("/projects/{project_id}/sources", response_model=SourcesPublic, status_code=201)
async def record_source_entry(
    project_id: uuid.UUID,
    body: SourceEntryCreate,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    idempotency: IdempotencyDep,
) -> object:
    """Record a source's commitment or a receipt from it (the project's district)."""
    return await idempotency.run(
        session,
        lambda: handlers.record_entry(session, actor, project_id, body, now, profiles),
        response_model=SourcesPublic,
        status_code=201,
    )


@router.get("/projects/{project_id}/sources", response_model=SourcesPublic)
async def project_sources(project_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """Who funds the project: each source's commitment and receipts, the city award included."""
    return await handlers.project_sources(session, actor, project_id)


@router.get("/sources/shortfalls", response_model=list[SourcesPublic])
async def shortfalls(session: SessionDep, actor: Reader) -> object:
    """Projects whose sources (the award included) do not cover the approved investment."""
    return await handlers.shortfalls(session, actor)
