"""`/readyz` answers 503 naming what is wrong: the database, Kafka, or a background loop (the
outbox relay, the consumer, a worker) that crashed within the last `CRASH_WINDOW_S`; and 200 again
once all of them are well. The database is a real SQLite file; Kafka's metadata call is a stand-in."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from fastapi import FastAPI

from shared.db import create_engine
from shared.web.health import health_router
from shared.web.runtime import CRASH_WINDOW_S, LoopState, supervise


class Metadata:
    def __init__(self) -> None:
        self.error: BaseException | None = None

    async def fetch_all_metadata(self) -> object:
        if self.error is not None:
            raise self.error
        return object()


def _app(engine: Any, kafka: Metadata, loops: dict[str, LoopState]) -> FastAPI:
    app = FastAPI()
    app.include_router(health_router())
    app.state.runtime = SimpleNamespace(engine=engine, producer=SimpleNamespace(client=kafka), loops=loops)
    return app


async def _ready(app: FastAPI) -> tuple[int, dict[str, Any]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        answer = await client.get("/readyz")
    return answer.status_code, answer.json()


async def test_ready_when_the_database_kafka_and_every_loop_are_well(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'ready.db'}")
    loops = {"outbox-relay": LoopState(), "consumer": LoopState()}
    assert await _ready(_app(engine, Metadata(), loops)) == (
        200,
        {
            "status": "ready",
            "checks": {"database": "ok", "kafka": "ok", "outbox-relay": "ok", "consumer": "ok"},
        },
    )
    await engine.dispose()


async def test_a_database_that_does_not_answer_is_not_ready(tmp_path: Path) -> None:
    gone = tmp_path / "gone" / "ready.db"
    engine = create_engine(f"sqlite:///{gone}")  # makes the folder for the file...
    gone.parent.rmdir()  # ...which is then removed: SQLite cannot open a file in a missing folder
    status, body = await _ready(_app(engine, Metadata(), {}))
    assert status == 503 and body["status"] == "not-ready"
    assert body["checks"]["database"].startswith("error: ") and body["checks"]["kafka"] == "ok"
    await engine.dispose()


async def test_kafka_that_does_not_answer_is_not_ready(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'ready.db'}")
    kafka = Metadata()
    kafka.error = ConnectionError("no broker")
    status, body = await _ready(_app(engine, kafka, {}))
    assert (status, body["checks"]) == (503, {"database": "ok", "kafka": "error: ConnectionError"})
    await engine.dispose()


async def test_a_crash_looping_relay_is_not_ready_until_it_runs_a_window_without_crashing(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'ready.db'}")
    relay = LoopState()
    crashed = asyncio.Event()

    async def crashing() -> None:
        crashed.set()
        raise RuntimeError("advisory-lock connection lost")

    task = supervise("outbox-relay", crashing, relay)
    try:
        await asyncio.wait_for(crashed.wait(), timeout=10)
        await asyncio.sleep(0)  # the supervisor records the crash before it sleeps
        status, body = await _ready(_app(engine, Metadata(), {"outbox-relay": relay}))
        assert status == 503
        assert body["checks"]["outbox-relay"] == "error: RuntimeError (1 crashes); restarting"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert relay.last_crash_at is not None
    later = relay.last_crash_at + CRASH_WINDOW_S
    assert relay.check(later - 0.001).startswith("error: ") and relay.check(later) == "ok"
    await engine.dispose()
