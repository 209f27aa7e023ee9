"""A service app built by the real `create_app` with a small router, for the web layer's tests.

The lifespan (database, Kafka) is not run: tests use `TestClient(app)` without a context and set
`app.state.runtime` to a stand-in that carries only the settings.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from shared.settings import ServiceSettings
from shared.types import BODY
from shared.web.app import create_app
from shared.web.auth import CurrentPrincipal, require
from shared.web.runtime import ServiceDefinition


class Address(BaseModel):
    model_config = BODY

    street: str


class NoteIn(BaseModel):
    model_config = BODY

    text: str
    priority: int = 0
    address: Address | None = None


class NoteOut(BaseModel):
    text: str


router = APIRouter()


@router.post("/notes", status_code=201, dependencies=[require("registry:write")])
async def create_note(body: NoteIn) -> NoteOut:
    """Create a note."""
    return NoteOut(text=body.text)


@router.get("/notes")
async def list_notes(principal: CurrentPrincipal) -> list[NoteOut]:
    """List notes."""
    return []


@router.get("/notes/{note_id}")
async def get_note(note_id: int, principal: CurrentPrincipal) -> NoteOut:
    """Read a note."""
    return NoteOut(text=f"{note_id} for {principal.org_code}")


@router.post("/imports/spreadsheet", status_code=202, dependencies=[require("registry:write")])
async def import_sheet(body: dict[str, Any]) -> dict[str, int]:
    """A bulk import that may carry a larger body."""
    return {"rows": len(body)}


@router.get("/boom")
async def boom() -> None:
    """Always fails."""
    raise RuntimeError("secret internals")


def build(**overrides: Any) -> FastAPI:
    settings = ServiceSettings(service_name="webtest", environment="test", **overrides)
    app = create_app(
        ServiceDefinition(
            settings=settings,
            title="Web layer test",
            description="The shared web layer around a tiny router.",
            routers=[router],
            migrations_dir=Path("."),
        )
    )
    app.state.runtime = SimpleNamespace(settings=settings)
    return app
