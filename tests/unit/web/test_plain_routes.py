"""`shared.web.plain_routes`: a route whose dependencies run from a plan made once answers exactly
as FastAPI's general solver does (values, 422 errors, caching, generator clean-up, serialisation),
and a route the plan cannot stand in for keeps FastAPI's handler."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import (
    APIRouter,
    BackgroundTasks,
    Body,
    Depends,
    FastAPI,
    Form,
    Header,
    Query,
    Request,
    Response,
    status,
)
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from shared.web import plain_routes
from shared.web.plain_routes import PlainRoute, use_plain_routes

bearer = HTTPBearer(auto_error=False)


class Item(BaseModel):
    id: uuid.UUID
    name: str
    limit: int
    caller: str | None
    calls: int


LOG: list[str] = []
"""What the dependencies and endpoints did, in order (module level: FastAPI resolves the
annotations of module-level names only, with `from __future__ import annotations`)."""


async def caller(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str | None:
    LOG.append("caller")
    return None if credentials is None else credentials.credentials


def counted(request: Request) -> int:  # a plain `def` dependency: FastAPI runs it in a thread
    request.state.calls = getattr(request.state, "calls", 0) + 1
    return int(request.state.calls)


async def session() -> AsyncIterator[str]:
    LOG.append("session open")
    yield "session"
    LOG.append("session closed")


def sync_resource() -> Iterator[str]:
    LOG.append("resource open")
    yield "resource"
    LOG.append("resource closed")


Caller = Annotated[str | None, Depends(caller)]
Counted = Annotated[int, Depends(counted)]
Session = Annotated[str, Depends(session, scope="function")]
Resource = Annotated[str, Depends(sync_resource)]


def make_router() -> APIRouter:
    """One router with each kind of route the platform declares."""
    router = APIRouter()

    @router.get("/items/{item_id}", response_model=Item)
    async def read_item(
        item_id: uuid.UUID,
        who: Caller,
        again: Caller,  # the same dependency twice: solved once per request
        calls: Counted,
        limit: Annotated[int, Query(ge=1, le=50)] = 10,
        name: str = "item",
    ) -> object:
        assert who == again
        return {"id": item_id, "name": name, "limit": limit, "caller": who, "calls": calls, "extra": "x"}

    @router.get("/raw/{code}")
    async def raw(
        code: str, tag: Annotated[str | None, Query(max_length=4)] = None, x_tag: str = Header("none")
    ) -> object:
        return Response(f"{code}:{tag}:{x_tag}".encode(), media_type="text/plain", headers={"x-raw": "1"})

    @router.post("/things", status_code=status.HTTP_201_CREATED, response_model=list[str])
    async def make_thing(s: Session, r: Resource) -> object:
        LOG.append("endpoint")
        return [s, r]

    @router.delete("/things/{thing_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def delete_thing(thing_id: int) -> None:
        return None

    @router.get("/with-response")
    async def with_response(response: Response) -> dict[str, str]:
        response.headers["x-set"] = "yes"
        return {"ok": "yes"}

    @router.post("/with-body")
    async def with_body(item: Item, who: Caller, s: Session) -> Item:
        LOG.append(f"body {item.name} {who} {s}")
        return item

    @router.post("/two-bodies", status_code=status.HTTP_201_CREATED)
    async def two_bodies(item: Item, note: Annotated[str, Body(max_length=5)]) -> dict[str, Any]:
        return {"item": item.name, "note": note}

    @router.post("/small-body", max_body_size=120)
    async def small_body(item: Item) -> Item:
        return item

    @router.post("/form")
    async def form(name: Annotated[str, Form()]) -> dict[str, str]:
        return {"name": name}

    @router.get("/with-background")
    async def with_background(tasks: BackgroundTasks) -> dict[str, str]:
        return {"ok": "yes"}

    @router.get("/sync-endpoint")
    def sync_endpoint() -> dict[str, str]:
        return {"ok": "sync"}

    return router


def make_app(planned: bool) -> FastAPI:
    app = FastAPI()
    router = make_router()
    app.include_router(use_plain_routes(router) if planned else router)
    return app


REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", f"/items/{uuid.UUID(int=7)}?limit=5&name=n", {"authorization": "Bearer t0k"}),
    ("GET", f"/items/{uuid.UUID(int=7)}", {}),
    ("GET", "/items/not-a-uuid?limit=0", {}),  # two errors: path and query
    ("GET", f"/items/{uuid.UUID(int=7)}?limit=many", {"authorization": "Basic abc"}),
    ("GET", "/raw/x?tag=abcd", {"x-tag": "t"}),
    ("GET", "/raw/x?tag=abcdef", {}),
    ("POST", "/things", {}),
    ("DELETE", "/things/3", {}),
    ("DELETE", "/things/three", {}),
    ("GET", "/with-response", {}),
    ("GET", "/with-background", {}),
    ("GET", "/sync-endpoint", {}),
]


ITEM = {"id": str(uuid.UUID(int=1)), "name": "n", "limit": 3, "caller": None, "calls": 0}
JSON = {"content-type": "application/json"}
BODIES: list[tuple[str, str, bytes, dict[str, str]]] = [
    ("POST", "/with-body", json.dumps(ITEM).encode(), {**JSON, "authorization": "Bearer b"}),
    ("POST", "/with-body", json.dumps({"id": "x"}).encode(), JSON),  # two fields wrong, three missing
    ("POST", "/with-body", b'{"id": ', JSON),  # not JSON
    ("POST", "/with-body", b"", JSON),  # no body
    ("POST", "/with-body", json.dumps(ITEM).encode(), {"content-type": "text/plain"}),
    ("POST", "/with-body", json.dumps(ITEM).encode(), {"content-type": "application/merge-patch+json"}),
    ("POST", "/with-body", json.dumps(ITEM).encode(), {}),  # no content type: strict, refused
    ("POST", "/two-bodies", json.dumps({"item": ITEM, "note": "short"}).encode(), JSON),
    ("POST", "/two-bodies", json.dumps({"item": ITEM, "note": "too long"}).encode(), JSON),
    ("POST", "/two-bodies", json.dumps(ITEM).encode(), JSON),  # embedded fields expected
    ("POST", "/small-body", json.dumps(ITEM).encode(), JSON),
    ("POST", "/small-body", json.dumps({**ITEM, "name": "n" * 100}).encode(), JSON),  # over 120 bytes
    ("POST", "/form", b"name=abc", {"content-type": "application/x-www-form-urlencoded"}),
]


async def _answers(app: FastAPI) -> list[tuple[int, bytes, list[tuple[str, str]]]]:
    transport = httpx.ASGITransport(app=app)
    answers = []
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for method, url, headers in REQUESTS:
            answer = await client.request(method, url, headers=headers)
            answers.append((answer.status_code, answer.content, sorted(answer.headers.items())))
        for method, url, body, headers in BODIES:
            answer = await client.request(method, url, content=body, headers=headers)
            answers.append((answer.status_code, answer.content, sorted(answer.headers.items())))
    return answers


async def test_planned_routes_answer_as_fastapis_solver_does() -> None:
    LOG.clear()
    general = await _answers(make_app(False))
    general_log = LOG[:]
    LOG.clear()
    planned = await _answers(make_app(True))
    assert planned == general
    assert LOG == general_log
    assert [a[0] for a in planned] == [200, 200, 422, 422, 200, 422, 201, 204, 422, 200, 200, 200] + [
        200,
        422,
        422,
        422,
        422,
        200,
        422,
        201,
        422,
        422,
        200,
        413,
        200,
    ]
    assert planned[0][1] == (
        b'{"id":"00000000-0000-0000-0000-000000000007","name":"n","limit":5,"caller":"t0k","calls":1}'
    )
    assert planned[4][1] == b"x:abcd:t"
    assert planned[6][1] == b'["session","resource"]'
    # the cached dependency ran once per request (dependencies are solved before the path, the
    # query and the body are validated, so those 422s ran it too; a body that is not JSON is
    # refused before): four reads of /items and six of the seven posts to /with-body
    assert LOG.count("caller") == 10
    assert LOG.count("body n b session") == 1
    assert LOG.count("body n None session") == 1  # the +json content type
    # the function-scoped generator closed before the response, the request-scoped one after it
    i = LOG.index("endpoint")
    assert LOG[i - 2 : i + 3] == [
        "session open",
        "resource open",
        "endpoint",
        "session closed",
        "resource closed",
    ]
    assert planned[12][1] == json.dumps(ITEM, separators=(",", ":")).encode()
    assert b"json_invalid" in planned[14][1]


def _route(app: FastAPI, path: str, method: str) -> Any:
    for included in app.router.routes:
        for route in getattr(getattr(included, "original_router", None), "routes", []):
            if route.path == path and method in route.methods:
                return route
    raise LookupError(path)


@pytest.mark.parametrize(
    ("path", "method", "planned"),
    [
        ("/items/{item_id}", "GET", True),
        ("/raw/{code}", "GET", True),
        ("/things", "POST", True),
        ("/things/{thing_id}", "DELETE", True),
        ("/with-response", "GET", False),
        ("/with-body", "POST", True),
        ("/two-bodies", "POST", True),
        ("/form", "POST", False),
        ("/with-background", "GET", False),
        ("/sync-endpoint", "GET", False),
    ],
)
def test_a_plan_stands_in_only_where_it_can(path: str, method: str, planned: bool) -> None:
    route = _route(make_app(True), path, method)
    assert isinstance(route, PlainRoute)
    assert (plain_routes._plan(route.dependant) is not None) is planned


async def test_dependency_overrides_go_through_fastapis_solver() -> None:
    app = make_app(True)
    app.dependency_overrides[bearer] = lambda: HTTPAuthorizationCredentials(
        scheme="Bearer", credentials="over"
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.get(f"/items/{uuid.UUID(int=7)}")
    assert answer.status_code == 200
    assert answer.json()["caller"] == "over"


def test_every_route_of_a_service_is_planned_or_keeps_fastapis_handler_and_the_hot_read_is_planned() -> None:
    from services.registry.main import create_registry_app
    from services.registry.settings import RegistrySettings

    app = create_registry_app(RegistrySettings(environment="test"))
    read = _route(app, "/projects/{project_id}", "GET")
    assert isinstance(read, PlainRoute)
    assert plain_routes._plan(read.dependant) is not None
    create = _route(app, "/projects", "POST")
    assert isinstance(create, PlainRoute)
    assert plain_routes._plan(create.dependant) is not None
