"""The cheaper read path keeps its behaviour on PostgreSQL: a read whose pooled connection the
server dropped is still answered (retried once on a fresh connection, no pre-ping), a read sees
what a write just committed, and a cached token still carries its caller's rights."""

from __future__ import annotations

import psycopg

from tests.support.factories import community_body
from tests.support.flows import register_project
from tests.support.tokens import district


async def test_a_read_after_the_server_dropped_the_pooled_connections_is_answered(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    project = await register_project(registry)
    assert (await registry.get(f"/projects/{project['id']}")).status_code == 200
    database = platform.database_url("registry").rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(platform.postgres.conninfo("postgres"), autocommit=True) as admin:
        dropped = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchone()
    assert dropped is not None and dropped[0] >= 1
    response = await registry.get(f"/projects/{project['id']}")
    assert response.status_code == 200, response.text
    assert response.json()["id"] == project["id"]


async def test_a_read_sees_what_the_write_before_it_committed(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    for i in range(3):
        created = await registry.post("/communities", json=community_body(name=f"文化路{i}号院"))
        assert created.status_code == 201
        read = await registry.get(f"/communities/{created.json()['id']}")
        assert read.status_code == 200 and read.json()["name"] == f"文化路{i}号院"
    listed = await registry.get("/communities", params={"eligible": "true"})
    assert listed.headers["x-total-count"] == "3"


async def test_a_cached_token_still_sees_only_its_own_district(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    project = await register_project(registry)
    other = platform.client("registry", district("zz-erqi"))
    for _ in range(2):  # the second answer comes from the token cache
        assert (await other.get(f"/projects/{project['id']}")).status_code == 404
        assert (await registry.get(f"/projects/{project['id']}")).status_code == 200
