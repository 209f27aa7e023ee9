"""Community routes: the ledger, its assessments and classification, and the filtered list."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import TypeAdapter
from sqlalchemy import Row

from services.registry.api.deps import Reader, Writer
from services.registry.handlers import communities
from services.registry.models.bounds import MAX_LIMIT, MAX_OFFSET, Code, TextFilter
from services.registry.models.communities import (
    AssessmentPublic,
    Classification,
    CommunityCreate,
    CommunityHistory,
    CommunityPublic,
    Reassessment,
)
from shared.web.deps import NowDep, SessionDep

router = APIRouter(tags=["ledger"])
_PAGE = TypeAdapter(list[CommunityPublic])


def _public(page: Sequence[Row[Any]]) -> list[CommunityPublic]:
    """Stored rows as the response model without validating them again: they were validated on
    the way in, and re-cleaning every name of a page cost more than the query."""
    return [CommunityPublic.model_construct(**row._mapping) for row in page]


@router.post("/communities", status_code=status.HTTP_201_CREATED, response_model=CommunityPublic)
async def create_community(body: CommunityCreate, session: SessionDep, actor: Writer, now: NowDep) -> object:
    """Register a surveyed community (eligible or not, with every reason) in the caller's district."""
    return await communities.register_community(session, actor, body, now)


@router.get(
    "/communities",
    response_model=list[CommunityPublic],
    responses={
        200: {
            "headers": {
                "X-Total-Count": {"description": "Matches in all pages.", "schema": {"type": "integer"}}
            }
        }
    },
)
async def list_communities(
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    programme_code: Code | None = None,
    district_code: Code | None = None,
    street_office: TextFilter | None = None,
    eligible: bool | None = None,
    tier: Code | None = None,
    demonstration: bool | None = None,
    centrally_funded: bool | None = None,
    overdue: Annotated[bool | None, Query(description="With a project past a step's deadline.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> object:
    """List the communities the caller may see, oldest first; the total is in X-Total-Count."""
    filters = {
        "programme_code": programme_code,
        "district_code": district_code,
        "street_office": street_office,
        "eligible": eligible,
        "tier": tier,
        "demonstration": demonstration,
        "centrally_funded": centrally_funded,
    }
    page, total = await communities.list_communities(
        session, actor, filters=filters, limit=limit, offset=offset, overdue=overdue, now=now
    )
    return Response(
        _PAGE.dump_json(_public(page)), media_type="application/json", headers={"X-Total-Count": str(total)}
    )


@router.get("/communities/{community_id}", response_model=CommunityPublic)
async def read_community(community_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """Read one community."""
    return await communities.get_community(session, actor, community_id)


@router.get("/communities/{community_id}/history", response_model=CommunityHistory)
async def read_history(community_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """The community's history: its ledger entry, every assessment and every project on it."""
    return await communities.history(session, actor, community_id)


@router.get("/communities/{community_id}/assessments", response_model=list[AssessmentPublic])
async def read_assessments(community_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """Every eligibility assessment of the community, oldest first."""
    return await communities.assessments(session, actor, community_id)


@router.post("/communities/{community_id}/assessments", response_model=CommunityPublic)
async def reassess(
    community_id: uuid.UUID, body: Reassessment, session: SessionDep, actor: Writer, now: NowDep
) -> object:
    """Correct the facts and assess the community again (the earlier assessment is kept)."""
    return await communities.reassess(session, actor, community_id, body, now)


@router.put("/communities/{community_id}/classification", response_model=CommunityPublic)
async def classify(
    community_id: uuid.UUID, body: Classification, session: SessionDep, actor: Writer, now: NowDep
) -> object:
    """Set the community's library tier and demonstration and central-fund flags."""
    return await communities.classify(session, actor, community_id, body, now)
