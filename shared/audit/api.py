"""The audit trail's read endpoint, mounted by every service; the leading-group office reads it.

Why a factory in shared/: one route, one scope check and one response shape in every service.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shared import audit
from shared.access import Scope
from shared.web.auth import require
from shared.web.deps import SessionDep

__all__ = ["audit_router"]


def audit_router() -> APIRouter:
    """Build the router with ``GET /audit``, which needs the ``audit:read`` scope.

    The endpoint filters by ``record_id`` and ``action`` and returns at most ``limit`` entries
    (1..500, default 100), newest first; a caller without the scope gets a 403 problem.

    Returns:
        A new router; the service includes it in its app.
    """
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
