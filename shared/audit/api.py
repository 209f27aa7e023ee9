"""The audit trail's read endpoint, mounted by every service; the leading-group office reads it.

Why a factory in shared/: one route, one scope check and one response shape in every service.
The trail only grows, so it is paged by cursor (`shared.web.paging`), newest first.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from shared import audit
from shared.access import Scope
from shared.web.auth import require
from shared.web.deps import SessionDep
from shared.web.paging import NEXT_LINK_RESPONSE, after_query, decode_cursor, page_limit, paginate

__all__ = ["MAX_PAGE", "audit_router"]

MAX_PAGE = 500
"""The largest page of entries one request may ask for."""

_Filter = Annotated[str | None, Query(max_length=100)]


def audit_router() -> APIRouter:
    """Build the router with ``GET /audit``, which needs the ``audit:read`` scope.

    The endpoint filters by ``record_id`` and ``action`` and returns at most ``limit`` entries
    (1..500, default 100), newest first; when more remain, the `Link` header names the next page
    (``after=<cursor>``). A caller without the scope gets a 403 problem.

    Returns:
        A new router; the service includes it in its app.
    """
    router = APIRouter(tags=["audit"])

    @router.get(
        "/audit",
        response_model=list[audit.AuditEntryPublic],
        dependencies=[require(Scope.AUDIT_READ)],
        responses=NEXT_LINK_RESPONSE,
    )
    async def read_audit_trail(
        request: Request,
        response: Response,
        session: SessionDep,
        record_id: _Filter = None,
        action: _Filter = None,
        after: Annotated[str | None, after_query((int,))] = None,
        limit: Annotated[int, page_limit(100, MAX_PAGE)] = 100,
    ) -> object:
        """Audit entries, newest first, one page at a time (leading-group office only)."""
        key = decode_cursor(after, (int,))
        rows = await audit.query(
            session,
            record_id=record_id,
            action=action,
            limit=limit + 1,
            before_id=None if key is None else int(key[0]),
        )
        return paginate(request, response, rows, limit, key=lambda entry: (entry.id,))

    return router
