"""Export routes: the funding workbook in XLSX with Chinese headings."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from services.funding.api.deps import Reader
from services.funding.handlers import exports as handlers
from shared.web.deps import SessionDep

router = APIRouter(tags=["exports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/exports/funding.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)
async def funding_workbook(session: SessionDep, actor: Reader) -> Response:
    """The funding workbook: totals, projects, no-award reasons and the journal (amounts in yuan)."""
    body = await handlers.funding_workbook(session, actor)
    return Response(
        body, media_type=XLSX, headers={"Content-Disposition": 'attachment; filename="funding.xlsx"'}
    )


@router.get(
    "/exports/central-funds.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)
async def central_funds_workbook(session: SessionDep, actor: Reader) -> Response:
    """The central-fund workbook: each allocation's ranked lines, the projects left out, and totals (yuan)."""
    body = await handlers.central_workbook(session, actor)
    return Response(
        body, media_type=XLSX, headers={"Content-Disposition": 'attachment; filename="central-funds.xlsx"'}
    )
