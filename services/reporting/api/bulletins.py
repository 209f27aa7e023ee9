"""Bulletin routes: the office publishes a week's bulletin; everyone reads it as published."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.reporting.api.deps import ProfilesDep, ProgrammeQuery, Reader
from services.reporting.handlers import bulletins as handlers
from services.reporting.models.bulletins import BulletinCreate, BulletinPublic
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["bulletins"])


@router.post("/bulletins", response_model=BulletinPublic, status_code=201)
async def publish_bulletin(
    body: BulletinCreate,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    idempotency: IdempotencyDep,
) -> object:
    """Publish a finished week's bulletin (office only); its figures are frozen from then on."""
    return await idempotency.run(
        session,
        lambda: handlers.publish_bulletin(session, actor, body, now, profiles),
        response_model=BulletinPublic,
        status_code=201,
    )


@router.get("/bulletins", response_model=list[BulletinPublic])
async def list_bulletins(
    session: SessionDep, actor: Reader, profiles: ProfilesDep, programme: ProgrammeQuery
) -> object:
    """A programme's published bulletins, newest first."""
    return await handlers.list_bulletins(session, actor, programme, profiles)


@router.get("/bulletins/{bulletin_id}", response_model=BulletinPublic)
async def read_bulletin(bulletin_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """One bulletin, exactly as published."""
    return await handlers.get_bulletin(session, actor, bulletin_id)
