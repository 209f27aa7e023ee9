"""The printable completion acceptance form (PDF, Chinese)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from services.registry.api.deps import Reader
from services.registry.handlers import acceptance_form
from shared.web.deps import NowDep, SessionDep

router = APIRouter(tags=["acceptance"])


@router.get(
    "/projects/{project_id}/acceptance-form.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The form as a PDF."},
        404: {"description": "No such project for the caller."},
        409: {"description": "No acceptance is recorded yet."},
    },
)
async def acceptance_form_pdf(
    project_id: uuid.UUID, session: SessionDep, actor: Reader, now: NowDep
) -> Response:
    """The project's completion acceptance form: parties, signatures, defects, result (PDF)."""
    name, content = await acceptance_form.acceptance_form_pdf(session, actor, project_id, now)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
