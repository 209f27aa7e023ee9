"""The audit trail's read endpoint, mounted by every service; the leading-group office reads it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shared import audit
from shared.access import Scope
from shared.web.auth import require
from shared.web.deps import SessionDep


def audit_router() -> APIRouter:
    router = APIRouter(tags=["audit"])

    @router.get(
        "/audit",
        response_model=list[audit.AuditEntryPublic],
        dependencies=[require(Scope.AUDIT_READ)],
    )
    async def read_audit_trail(
        session: SessionDep,
        record_id: str | None = None,
        action: str | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> object:
        """Audit entries, newest first (leading-group office only)."""
        return await audit.query(session, record_id=record_id, action=action, limit=limit)

    return router
