"""What every step route shares: the response model, and running the command once per key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.models.projects import ProjectPublic
from shared.web.idempotency import Idempotency

STEP_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such project in the caller's district."},
    409: {"description": "The project's step does not allow this now (current_state, allowed_actions)."},
    422: {"description": "A field breaks a rule (named with the rule)."},
}


async def run_step(
    idempotency: Idempotency, session: AsyncSession, command: Callable[[], Awaitable[ProjectPublic]]
) -> Any:
    """Run a step command once per Idempotency-Key; the response is the project afterwards."""
    return await idempotency.run(session, command, response_model=ProjectPublic, status_code=200)
