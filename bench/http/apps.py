"""The baseline: a bare FastAPI app answering a project-shaped JSON body (no auth, no database)."""

from __future__ import annotations

import uuid

from fastapi import FastAPI

BODY = {
    "name": "文化路3号院综合整治",
    "investment_fen": 123456789,
    "district_code": "zz-jinshui",
    "street_office": "文化路街道",
    "programme_code": "zhengzhou-2019",
    "step": "opened",
    "status": "opened",
    "created_at": "2024-03-01T08:00:00+08:00",
    "updated_at": "2024-03-01T08:00:00+08:00",
    "allowed_actions": ["consultation", "withdraw"],
}


def bare_app() -> FastAPI:
    """`GET /projects/{id}` and `/healthz` with nothing in front of them."""
    app = FastAPI()

    @app.get("/projects/{project_id}")
    async def read_project(project_id: uuid.UUID) -> dict[str, object]:
        return {"id": str(project_id), "community_id": str(project_id), **BODY}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
