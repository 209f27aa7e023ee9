"""Webhook delivery benchmark (issue 10): signed deliveries/s through the real worker, with every
attempt logged, against raw httpx POSTs/s to the same local receiver in the same run; and the p99
delay to healthy endpoints while one endpoint hangs, against none hanging.

* **raw**: `httpx.AsyncClient` POSTs of the same envelope bytes to the receiver, as many in flight
  as the worker keeps to one endpoint (`delivery_concurrency_per_endpoint`, 10): the ceiling for
  one Python process sending HTTP that way.
* **raw aiohttp** (shown, not the aim's baseline): the same POSTs through a plain aiohttp session,
  the client the worker sends with since the sixth pass (bench/README.md).
* **signed**: `--deliveries` pending deliveries stored up front, then the notification service's
  own `run_delivery_worker` (lease in a short transaction, re-check the destination, sign with
  Standard Webhooks headers, POST through its guarded aiohttp session, record the attempt and the
  new state in its own transaction) until every one is delivered; each must have exactly one
  attempt row.
* **p99**: deliveries arrive at `--rate` per second for `--seconds` to `--endpoints` healthy
  endpoints; the delay of each is stored → delivered (`delivered_at - created_at`). Run once with
  every endpoint healthy and once with one more endpoint that accepts the connection and never
  answers (its share of the stream is `--hang-share`), the worker's deadline `--timeout`.

The receiver is a minimal ASGI app in its own uvicorn process on 127.0.0.1 (answers 204 at once,
or never on /hang); the worker and the raw client run in this process. The database is PostgreSQL
(DATABASE_URL, or a native cluster by deploy/postgres/launcher.py, as the other benchmarks do),
or SQLite with `--sqlite` or when no PostgreSQL can be started.

    .venv/bin/python -m bench.notification_delivery
    .venv/bin/python -m bench.notification_delivery --deliveries 1000 --runs 1 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import httpx
from prometheus_client import REGISTRY
from sqlalchemy import func
from sqlmodel import col, select

from bench.harness.cli import say
from bench.harness.polling import wait_until
from bench.harness.stats import median, ratio
from services.notification.domain.signing import new_secret
from services.notification.models import Delivery, DeliveryAttempt, DeliveryState, Subscription
from services.notification.settings import NotificationSettings
from services.notification.worker import run_delivery_worker
from shared.clock import SystemClock
from shared.contracts.envelope import CONTENT_TYPE, CloudEvent
from shared.db import UnitOfWork, create_engine, create_sessions, run_migrations

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "services" / "notification" / "migrations"
EVENT_TYPE = "registry.project.accepted.v1"


# --- the receiver --------------------------------------------------------------------------------


async def receiver_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """204 at once; on /hang, accept the request and never answer."""
    if scope["type"] != "http":
        return
    while True:
        message = await receive()
        if not message.get("more_body"):
            break
    if scope["path"].startswith("/hang"):
        await asyncio.sleep(3600)
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Receiver:
    """The receiver in a uvicorn subprocess on loopback."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.notification_delivery:receiver_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--lifespan",
                "off",
                "--no-access-log",
                "--log-level",
                "warning",
                "--backlog",
                "4096",
            ],
            cwd=ROOT,
        )
        self.base = f"http://127.0.0.1:{self.port}"

    async def ready(self) -> None:
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                with contextlib.suppress(httpx.TransportError):
                    await client.post(f"{self.base}/ok", content=b"{}")
                    return
                await asyncio.sleep(0.1)
        raise RuntimeError("the receiver did not start")

    def stop(self) -> None:
        """Stop it; requests still hanging keep uvicorn's graceful shutdown waiting, so kill."""
        self.process.terminate()
        try:
            self.process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


# --- the platform side ---------------------------------------------------------------------------


def envelope(n: int) -> bytes:
    """A typical envelope (an accepted project), about 600 bytes."""
    return CloudEvent(
        specversion="1.0",
        id=f"bench-{n}-{uuid.uuid4().hex[:8]}",
        source="urn:renovation:registry",
        type=EVENT_TYPE,
        subject=f"projects/{uuid.uuid4()}",
        time=datetime.now(UTC),
        data={
            "project_id": str(uuid.uuid4()),
            "community_id": str(uuid.uuid4()),
            "district_code": "zz-jinshui",
            "programme_code": "zhengzhou-2019",
            "investment_fen": 98_000_000,
            "audited_investment_fen": None,
            "accepted_on": "2026-11-20",
            "accepted_investment_fen": 98_000_000,
        },
        districtcode="zz-jinshui",
        partitionkey=str(uuid.uuid4()),
    ).to_bytes()


class Platform:
    """A fresh notification database and the worker's runtime around it."""

    def __init__(self, url: str, receiver: Receiver, args: argparse.Namespace) -> None:
        self.url = url
        self.settings = NotificationSettings(
            environment="test",
            database_url=url,
            notification_outbound_allowlist=f"127.0.0.1:{receiver.port}",
            webhook_timeout_s=args.timeout,
            delivery_concurrency=args.concurrency,
            delivery_poll_interval_s=args.poll,
            retry_jitter=0.0,
        )
        self.engine = create_engine(url)
        self.unit_of_work = UnitOfWork(create_sessions(self.engine))
        self.receiver = receiver

    async def migrate(self) -> None:
        await asyncio.to_thread(run_migrations, MIGRATIONS, self.url)

    async def subscription(self, path: str) -> uuid.UUID:
        async with self.unit_of_work() as session:
            row = Subscription(
                subscriber_code=f"org-{uuid.uuid4().hex[:6]}",
                subscriber_kind="department",
                event_types=[EVENT_TYPE],
                endpoint_url=f"{self.receiver.base}{path}",
                secret=new_secret(),
                created_at=datetime.now(UTC),
            )
            session.add(row)
        return row.id

    async def store(self, subscription_ids: list[uuid.UUID], bodies: list[bytes]) -> None:
        """Pending deliveries, due now, round-robin over the subscriptions."""
        now = datetime.now(UTC)
        async with self.unit_of_work() as session:
            for n, body in enumerate(bodies):
                event_id = CloudEvent.from_bytes(body).id
                session.add(
                    Delivery(
                        subscription_id=subscription_ids[n % len(subscription_ids)],
                        event_id=event_id,
                        event_type=EVENT_TYPE,
                        content=body.decode(),
                        state=DeliveryState.PENDING,
                        created_at=now,
                        next_attempt_at=now,
                    )
                )

    async def delivered(self, subscription_ids: list[uuid.UUID] | None = None) -> int:
        async with self.unit_of_work() as session:
            query = select(func.count()).where(Delivery.state == DeliveryState.DELIVERED)
            if subscription_ids is not None:
                query = query.where(col(Delivery.subscription_id).in_(subscription_ids))
            return int((await session.exec(query)).one())

    async def attempts(self) -> int:
        async with self.unit_of_work() as session:
            return int((await session.exec(select(func.count()).select_from(DeliveryAttempt))).one())

    async def delays_s(self, subscription_ids: list[uuid.UUID]) -> list[float]:
        async with self.unit_of_work() as session:
            rows = (
                await session.exec(
                    select(Delivery.created_at, Delivery.delivered_at).where(
                        col(Delivery.subscription_id).in_(subscription_ids),
                        Delivery.state == DeliveryState.DELIVERED,
                    )
                )
            ).all()
        return [(done - made).total_seconds() for made, done in rows if done is not None]

    @property
    def one_endpoint_in_flight(self) -> int:
        """How many requests the worker keeps in flight to one endpoint: the raw baseline's too."""
        return min(self.settings.delivery_concurrency, self.settings.delivery_concurrency_per_endpoint)

    def start_worker(self) -> asyncio.Task[None]:
        """The service's own worker, with its own guarded aiohttp session."""
        runtime = SimpleNamespace(settings=self.settings, unit_of_work=self.unit_of_work, clock=SystemClock())
        return asyncio.create_task(run_delivery_worker(runtime))  # type: ignore[arg-type]

    async def close(self) -> None:
        await self.engine.dispose()


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


# --- the scenarios -------------------------------------------------------------------------------


async def raw_posts(receiver: Receiver, bodies: list[bytes], concurrency: int) -> float:
    """POSTs/s of plain httpx, `concurrency` in flight."""
    queue = iter(bodies)
    headers = {"content-type": CONTENT_TYPE}
    async with httpx.AsyncClient(follow_redirects=False) as client:

        async def sender() -> None:
            for body in queue:
                response = await client.post(f"{receiver.base}/ok", content=body, headers=headers)
                if response.status_code != 204:
                    raise RuntimeError(f"the receiver answered {response.status_code}")

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        return len(bodies) / (time.perf_counter() - started)


async def raw_aiohttp_posts(receiver: Receiver, bodies: list[bytes], concurrency: int) -> float:
    """POSTs/s of a plain aiohttp session, `concurrency` in flight: the ceiling of the client the
    worker sends with (shown beside the aim's httpx baseline, which it does not replace)."""
    queue = iter(bodies)
    headers = {"content-type": CONTENT_TYPE}
    async with aiohttp.ClientSession() as session:

        async def sender() -> None:
            for body in queue:
                async with session.post(f"{receiver.base}/ok", data=body, headers=headers) as response:
                    await response.read()
                    if response.status != 204:
                        raise RuntimeError(f"the receiver answered {response.status}")

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        return len(bodies) / (time.perf_counter() - started)


async def signed_deliveries(platform: Platform, bodies: list[bytes]) -> float:
    """Deliveries/s through the worker, from the first lease to the last recorded success."""
    hook = await platform.subscription("/ok")
    await platform.store([hook], bodies)
    before_attempts = await platform.attempts()
    before = await platform.delivered()
    counted = delivered_counted()
    started, cpu = time.perf_counter(), time.process_time()
    worker = platform.start_worker()
    # the worker's own counter, read in this process: a count(*) every poll would be the bench's
    # load on the same process and database, not the worker's
    await wait_until(lambda: delivered_since(counted), len(bodies), [worker])
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    await _stop(worker)
    logged = await platform.attempts() - before_attempts
    if logged != len(bodies) or await platform.delivered() - before != len(bodies):
        raise RuntimeError(f"{logged} attempts logged for {len(bodies)} deliveries")
    say(f"  signed: {cpu / len(bodies) * 1e6:.0f} µs of this process's CPU per delivery")
    return len(bodies) / elapsed


def delivered_counted() -> int:
    """Webhook attempts the worker has counted as delivered (its committed records)."""
    labels = {"channel": "webhook", "outcome": "delivered"}
    return int(REGISTRY.get_sample_value("notification_delivery_attempts_total", labels) or 0)


async def delivered_since(before: int) -> int:
    """Deliveries the worker has counted since `before` (what `wait_until` polls)."""
    return delivered_counted() - before


async def paced_delays(platform: Platform, args: argparse.Namespace, *, hang: bool) -> list[float]:
    """Stored → delivered delays of the healthy endpoints' deliveries, under a paced stream."""
    healthy = [await platform.subscription(f"/ok/{n}") for n in range(args.endpoints)]
    hanging = [await platform.subscription("/hang")] if hang else []
    tick = 0.05
    per_tick = max(1, round(args.rate * tick))
    ticks = round(args.seconds / tick)
    worker = platform.start_worker()
    started = time.perf_counter()
    for n in range(ticks):
        bodies = [envelope(n * per_tick + i) for i in range(per_tick)]
        await platform.store(healthy, bodies)
        if hanging:
            share = max(1, round(per_tick * args.hang_share))
            await platform.store(hanging, [envelope(-n * per_tick - i) for i in range(share)])
        await asyncio.sleep(max(0.0, started + (n + 1) * tick - time.perf_counter()))
    expected = ticks * per_tick
    await wait_until(lambda: platform.delivered(healthy), expected, [worker], timeout_s=120)
    await _stop(worker)
    return await platform.delays_s(healthy)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.99 * len(ordered)) - 1)]


# --- running it ----------------------------------------------------------------------------------


async def run_on(label: str, url_for: Any, receiver: Receiver, args: argparse.Namespace) -> list[str]:
    raw_rates: list[float] = []
    aiohttp_rates: list[float] = []
    signed_rates: list[float] = []
    for run in range(args.runs):
        platform = Platform(url_for(f"tput{run}"), receiver, args)
        await platform.migrate()
        try:
            say(f"{label}: run {run + 1}/{args.runs}, {args.deliveries} deliveries")
            bodies = [envelope(n) for n in range(args.deliveries)]
            raw_rates.append(await raw_posts(receiver, bodies, platform.one_endpoint_in_flight))
            aiohttp_rates.append(await raw_aiohttp_posts(receiver, bodies, platform.one_endpoint_in_flight))
            signed_rates.append(
                await signed_deliveries(platform, [envelope(n) for n in range(args.deliveries)])
            )
        finally:
            await platform.close()
    raw, signed = median(raw_rates), median(signed_rates)

    p99s: dict[bool, float] = {}
    counts: dict[bool, int] = {}
    for hang in (False, True):
        platform = Platform(url_for(f"p99{int(hang)}"), receiver, args)
        await platform.migrate()
        try:
            say(f"{label}: paced stream, {'one endpoint hanging' if hang else 'all healthy'}")
            delays = await paced_delays(platform, args, hang=hang)
        finally:
            await platform.close()
        p99s[hang], counts[hang] = p99(delays), len(delays)
    return [
        f"{label}",
        f"  raw httpx POSTs/s          {raw:8.0f}   (runs: {', '.join(f'{r:.0f}' for r in raw_rates)})",
        f"  raw aiohttp POSTs/s        {median(aiohttp_rates):8.0f}  (the worker's client; not the baseline)",
        f"  signed deliveries/s        {signed:8.0f}   (runs: {', '.join(f'{r:.0f}' for r in signed_rates)})",
        f"  ratio signed/raw           {ratio(signed, raw):8.2f}   (aim >= 0.7)",
        f"  p99 stored->delivered, all healthy     {p99s[False] * 1000:7.0f} ms ({counts[False]} deliveries)",
        f"  p99 stored->delivered, one hanging     {p99s[True] * 1000:7.0f} ms ({counts[True]} deliveries)",
        f"  ratio hanging/healthy      {ratio(p99s[True], p99s[False]):8.2f}   (aim <= 1.2)",
    ]


async def main(args: argparse.Namespace) -> None:
    receiver = Receiver()
    lines = [
        f"notification delivery: {args.deliveries} deliveries x {args.runs} runs to one endpoint, "
        f"worker concurrency {args.concurrency} (10 per endpoint, raw the same 10); "
        f"paced {args.rate}/s for {args.seconds}s to {args.endpoints} endpoints, "
        f"hanging share {args.hang_share}, deadline {args.timeout}s; cores {os.cpu_count()}, "
        f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    ]
    try:
        await receiver.ready()
        with tempfile.TemporaryDirectory(prefix="bench-notify-") as work:
            if args.sqlite:
                lines += await run_on("SQLite", lambda name: f"sqlite:///{work}/{name}.db", receiver, args)
            else:
                lines += await _on_postgres(Path(work), receiver, args)
    finally:
        receiver.stop()
    print("\n".join(lines))


def _sqlite(work: Path) -> Any:
    return lambda name: f"sqlite:///{work}/{name}.db"


async def _on_postgres(work: Path, receiver: Receiver, args: argparse.Namespace) -> list[str]:
    try:
        from deploy.postgres.launcher import postgres_from_env_or_start

        server = await asyncio.to_thread(postgres_from_env_or_start, work / "pg")
    except Exception as exc:  # noqa: BLE001 - fall back to SQLite and say why
        say(f"PostgreSQL not available ({exc}); SQLite instead")
        return await run_on("SQLite", _sqlite(work), receiver, args)
    try:
        tag = uuid.uuid4().hex[:6]
        urls: dict[str, str] = {}

        def url_for(name: str) -> str:
            if name not in urls:
                urls[name] = server.create_database(f"bench_notify_{tag}_{name}")
            return urls[name]

        return await run_on("PostgreSQL", url_for, receiver, args)
    finally:
        stop = getattr(server, "stop", None)
        if stop is not None and not os.environ.get("DATABASE_URL"):
            await asyncio.to_thread(stop)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.notification_delivery",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--deliveries", type=int, default=3000, help="per throughput run (default 3000)")
    parser.add_argument("--runs", type=int, default=3, help="throughput runs (default 3)")
    parser.add_argument("--concurrency", type=int, default=50, help="in flight, both sides (default 50)")
    parser.add_argument("--rate", type=int, default=100, help="paced deliveries/s (default 100)")
    parser.add_argument("--seconds", type=float, default=10.0, help="paced stream length (default 10)")
    parser.add_argument("--endpoints", type=int, default=5, help="healthy endpoints (default 5)")
    parser.add_argument("--hang-share", type=float, default=0.2, help="hanging share of the stream")
    parser.add_argument("--timeout", type=float, default=15.0, help="webhook deadline, s (default 15)")
    parser.add_argument("--poll", type=float, default=0.05, help="worker poll interval, s (default 0.05)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    return parser


if __name__ == "__main__":
    asyncio.run(main(_parser().parse_args()))
