"""`GET /projects/{id}` reads through `shared.web.reads`: one dependency, a plain connection from the
read engine, the body serialised once. Its answers must be the ones the session path gave: the
same JSON bytes FastAPI's response model writes, the same 404 and 403, and on SQLite a read that
begins nothing (no ``BEGIN IMMEDIATE``: it never waits for a writer's lock)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text

from services.registry.main import create_registry_app
from services.registry.settings import RegistrySettings
from shared.access import OrganisationKind
from shared.db.engine import create_read_engine
from tests.handlers.harness import ServiceHarness
from tests.support import tokens
from tests.support.factories import community_body, project_body


@pytest.fixture(params=["runtime read engine", "stand-in runtime"])
async def registry(harness_for, request) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceHarness]]:  # type: ignore[no-untyped-def]
    """The registry over a SQLite harness, with the runtime's read engine (as deployed) or
    without one (the stand-in runtimes tests build read through their engine)."""
    harness: ServiceHarness = await harness_for("registry")
    settings = RegistrySettings(environment="test")
    app = create_registry_app(settings)
    app.state.runtime = SimpleNamespace(
        settings=settings, engine=harness.engine, unit_of_work=harness.unit_of_work, clock=harness.clock
    )
    if request.param == "runtime read engine":
        app.state.runtime.read_engine = create_read_engine(harness.engine)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=tokens.district()
    ) as client:
        yield client, harness


async def _opened(client: httpx.AsyncClient) -> httpx.Response:
    community = await client.post("/communities", json=community_body())
    assert community.status_code == 201, community.text
    created = await client.post("/projects", json=project_body(community.json()["id"]))
    assert created.status_code == 201, created.text
    return created


@contextmanager
def _statements(harness: ServiceHarness) -> Iterator[list[str]]:
    """Every statement SQLAlchemy sends to the harness's database inside the block (BEGIN
    IMMEDIATE included: it is sent with `exec_driver_sql`)."""
    sent: list[str] = []

    def keep(conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement.split(None, 1)[0].upper())

    event.listen(harness.engine.sync_engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(harness.engine.sync_engine, "before_cursor_execute", keep)


async def test_a_read_answers_the_bytes_the_response_model_wrote(registry) -> None:  # type: ignore[no-untyped-def]
    client, _ = registry
    created = await _opened(client)  # serialised by FastAPI from `response_model=ProjectPublic`
    read = await client.get(f"/projects/{created.json()['id']}")
    assert read.status_code == 200
    assert read.content == created.content
    assert read.headers["content-type"] == "application/json"
    assert read.headers["content-length"] == str(len(created.content))
    assert read.headers["x-request-id"]


async def test_a_read_sends_only_its_select_and_begins_nothing(registry) -> None:  # type: ignore[no-untyped-def]
    client, harness = registry
    with _statements(harness) as command:
        created = await _opened(client)
    assert "BEGIN" in command, "the listener sees a command's BEGIN IMMEDIATE"
    with _statements(harness) as read:
        assert (await client.get(f"/projects/{created.json()['id']}")).status_code == 200
    assert read == ["SELECT"]


async def test_a_read_is_answered_while_a_writer_holds_the_lock(registry) -> None:  # type: ignore[no-untyped-def]
    client, harness = registry
    project_id = (await _opened(client)).json()["id"]
    async with harness.engine.begin() as writer:
        await writer.execute(text("UPDATE project SET name = 'renamed' WHERE id IS NOT NULL"))
        read = await asyncio.wait_for(client.get(f"/projects/{project_id}"), timeout=5)
    assert read.status_code == 200
    assert read.json()["name"] != "renamed", "the read saw the last committed row"


async def test_the_read_keeps_its_refusals(registry) -> None:  # type: ignore[no-untyped-def]
    client, _ = registry
    project_id = (await _opened(client)).json()["id"]
    other_district = await client.get(f"/projects/{project_id}", headers=tokens.district("zz-erqi"))
    assert other_district.status_code == 404
    assert other_district.headers["content-type"] == "application/problem+json"
    no_scope = tokens.bearer(tokens.token("finance", OrganisationKind.DEPARTMENT, scopes=["funding:read"]))
    refused = await client.get(f"/projects/{project_id}", headers=no_scope)
    assert refused.status_code == 403
    assert "registry:read" in refused.json()["detail"]
    unauthenticated = await client.get(f"/projects/{project_id}", headers={"Authorization": ""})
    assert unauthenticated.status_code == 401
    missing = await client.get("/projects/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
