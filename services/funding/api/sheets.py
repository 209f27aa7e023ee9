"""The project funding sheet route."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.funding.api.deps import Reader
from services.funding.handlers import sheets as handlers
from services.funding.models.sheets import ProjectFunding
from shared.web.deps import SessionDep

router = APIRouter(tags=["projects"])


@router.get("/projects/{project_id}/funding", response_model=ProjectFunding)
async def project_funding(project_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """A project's plan, award (or why none), adjustments, tranches, journal, paid and outstanding."""
    return await handlers.project_funding(session, actor, project_id)
