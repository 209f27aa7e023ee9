"""Organisation directory routes: anyone authenticated reads; the office adds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status

from services.registry.handlers import directory
from services.registry.models.directory import OrganisationCreate, OrganisationPublic
from shared.access import Principal, Scope
from shared.directory import OrganisationKind
from shared.web.auth import CurrentPrincipal, require
from shared.web.deps import SessionDep

router = APIRouter(tags=["directory"])
Admin = Annotated[Principal, require(Scope.DIRECTORY_ADMIN)]


@router.get("/organisations", response_model=list[OrganisationPublic])
async def list_organisations(
    session: SessionDep, _: CurrentPrincipal, kind: OrganisationKind | None = None
) -> object:
    """List organisations, optionally of one kind."""
    return await directory.list_organisations(session, kind)


@router.get("/organisations/{code}", response_model=OrganisationPublic)
async def read_organisation(code: str, session: SessionDep, _: CurrentPrincipal) -> object:
    """Read one organisation."""
    return await directory.get_organisation(session, code)


@router.post("/organisations", status_code=status.HTTP_201_CREATED, response_model=OrganisationPublic)
async def add_organisation(body: OrganisationCreate, session: SessionDep, actor: Admin) -> object:
    """Add an organisation to the directory (leading-group office only)."""
    return await directory.add_organisation(session, actor, body)
