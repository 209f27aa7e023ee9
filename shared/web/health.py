"""Liveness, readiness and metrics endpoints: the only routes that need no token."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from shared.db import ping

__all__ = ["Liveness", "Readiness", "health_router"]


class Liveness(BaseModel):
    """The answer of `/healthz`: `status` is ``ok`` whenever the process can answer at all."""

    status: str


class Readiness(BaseModel):
    """Whether the service can serve: `checks` names each dependency with `ok` or its error."""

    status: str
    checks: dict[str, str]


def health_router() -> APIRouter:
    """The operations routes every service mounts: `/healthz`, `/readyz` and `/metrics`.

    `/readyz` reads the database engine and Kafka producer from `app.state.runtime`, so the app
    that includes the router must have started its runtime.

    Returns:
        A router tagged ``operations`` whose routes need no token.
    """
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", response_model=Liveness)
    async def healthz() -> dict[str, str]:
        """Liveness: the process is up."""
        return {"status": "ok"}

    @router.get(
        "/readyz",
        response_model=Readiness,
        responses={
            503: {
                "model": Readiness,
                "description": "The database or Kafka does not answer, or a background loop (the outbox "
                "relay, the consumer, a worker) crashed in the last 30 s.",
            }
        },
    )
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: the database and Kafka both answer, and no background loop is crash-looping."""
        runtime = request.app.state.runtime
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(ping(runtime.engine), timeout=3)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        try:
            ok = await asyncio.wait_for(runtime.producer.client.fetch_all_metadata(), timeout=3)
            checks["kafka"] = "ok" if ok is not None else "error: no metadata"
        except Exception as exc:
            checks["kafka"] = f"error: {type(exc).__name__}"
        now = asyncio.get_running_loop().time()
        for name, state in getattr(runtime, "loops", {}).items():
            checks[name] = state.check(now)
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not-ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    @router.get(
        "/metrics",
        response_class=Response,
        responses={
            200: {
                "description": "Prometheus text exposition format.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        },
    )
    async def metrics() -> Response:
        """Prometheus metrics in the text exposition format."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
