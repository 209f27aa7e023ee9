"""`renovation replay SERVICE --projection DATABASE_URL`: rebuild a service's projections by
re-consuming its topics from the start into a fresh database.

Why: a projection (reporting's rollups, progress, weekly reports, bulletins) is derived from the
events alone, so a wrong figure is fixed by correcting the handler and rebuilding, and a new
projection is filled the same way. The live service keeps answering from its own database while
the replay runs; the operator then points the service at the rebuilt one (blue-green).

How: the service's own migrations, subscription table and `EventConsumer` (inbox, retries,
dead-lettering, the same code the service runs) on the fresh database, under a consumer group of
its own read from the earliest offset, until every partition is committed up to the end it had
when the replay began. Events the handlers stage in the outbox were published when the events
were first handled, so the replay deletes them, as the relay does once it has published a row:
the rebuilt database never announces history a second time. Only services whose state is a
projection may be replayed: the others own records that commands wrote, which events alone cannot
rebuild.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli.services import Service, settings_of

__all__ = ["PROJECTIONS", "ReplayResult", "replay", "replay_command"]

PROJECTIONS = frozenset({Service.reporting})
"""Services whose whole state is derived from events (and so can be rebuilt from them)."""

_REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ReplayResult:
    """What a replay did: records read, events handled into the inbox, outbox rows settled."""

    records: int
    handled: int
    outbox_settled: int
    group: str


async def _end_offsets(servers: str, topics: list[str], security: dict[str, object]) -> dict[object, int]:
    """Beginning-to-end span of every partition of `topics` now (no consumer group)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    probe = AIOKafkaConsumer(bootstrap_servers=servers, group_id=None, client_id="renovation-cli", **security)
    await probe.start()
    try:
        metadata = await probe._client.fetch_all_metadata()  # noqa: SLF001
        partitions = [
            TopicPartition(topic, number)
            for topic in topics
            for number in sorted(metadata.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            return {}
        ends = await probe.end_offsets(partitions)
        return {tp: offset for tp, offset in ends.items() if offset > 0}
    finally:
        await probe.stop()


async def replay(service: Service, database_url: str, timeout_s: float = 600.0) -> ReplayResult:
    """Re-consume `service`'s topics from the start into the fresh database at `database_url`.

    Args:
        service: a service in `PROJECTIONS`.
        database_url: an empty database (migrated here); one that already handled events is refused.
        timeout_s: give up (and say how far it got) after this long.

    Returns:
        The counts of the replay.

    Raises:
        typer.BadParameter: the database is not fresh.
        TimeoutError: the end was not reached within `timeout_s`.
    """
    import sqlalchemy as sa

    from shared.bus.consumer import EventConsumer
    from shared.bus.kafka import KafkaSecurity, make_consumer, make_producer
    from shared.bus.outbox import PENDING, OutboxMessage
    from shared.contracts.topics import dead_letter_topic
    from shared.db import UnitOfWork, create_engine, create_sessions, run_migrations

    settings = settings_of(service)
    subscriptions = import_module(f"services.{service.value}.handlers").SUBSCRIPTIONS
    migrations = _REPO / "services" / service.value / "migrations"
    await asyncio.to_thread(run_migrations, migrations, database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            seen = (await connection.execute(sa.text("SELECT count(*) FROM inbox_message"))).scalar_one()
        if seen:
            raise typer.BadParameter(
                f"the database already holds {seen} handled event(s); give an empty one",
                param_hint="--projection",
            )
        security = KafkaSecurity.from_settings(settings)
        topics = [settings.topic(t) for t in subscriptions.topics]
        ends = await _end_offsets(settings.kafka_bootstrap_servers, topics, security.client_kwargs())
        group = f"{settings.consumer_group}.replay-{uuid.uuid4().hex[:8]}"
        consumer = make_consumer(
            settings.kafka_bootstrap_servers, group, topics, client_id="renovation-replay", security=security
        )
        producer = make_producer(settings.kafka_bootstrap_servers, "renovation-replay", security=security)
        await producer.start()
        await consumer.start()
        running = asyncio.create_task(
            EventConsumer(
                service=settings.service_name,
                consumer=consumer,
                producer=producer,
                unit_of_work=UnitOfWork(create_sessions(engine)),
                subscriptions=subscriptions,
                group=group,
                dead_letter_topic=settings.topic(dead_letter_topic(settings.service_name)),
                batch_size=settings.consumer_batch_size,
                max_attempts=settings.consumer_max_attempts,
                retry_backoff_s=settings.consumer_retry_backoff_s,
            ).run()
        )
        total = sum(ends.values())
        try:
            with Progress(
                TextColumn(f"replaying {service.value}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            ) as progress:
                task = progress.add_task("records", total=total)
                deadline = time.monotonic() + timeout_s
                while True:
                    done = 0
                    for tp, end in ends.items():
                        done += min(await consumer.committed(tp) or 0, end)  # type: ignore[arg-type]
                    progress.update(task, completed=done)
                    if done >= total:
                        break
                    if running.done():
                        running.result()  # raises what stopped the consumer
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"replay reached {done} of {total} records in {timeout_s:.0f}s")
                    await asyncio.sleep(0.2)
        finally:
            running.cancel()
            try:
                await running
            except asyncio.CancelledError:
                pass
            await consumer.stop()
            await producer.stop()
        outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
        async with engine.begin() as connection:
            settled = (await connection.execute(sa.delete(outbox).where(outbox.c.state == PENDING))).rowcount
            handled = (await connection.execute(sa.text("SELECT count(*) FROM inbox_message"))).scalar_one()
        return ReplayResult(records=total, handled=int(handled), outbox_settled=int(settled), group=group)
    finally:
        await engine.dispose()


def replay_command(
    service: Annotated[Service, typer.Argument(help="the service whose projections to rebuild")],
    projection: Annotated[
        str,
        typer.Option(
            "--projection",
            metavar="DATABASE_URL",
            help="an empty database to rebuild the projections into (the live one is not touched)",
        ),
    ],
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="give up after this many seconds")] = 600,
) -> None:
    """Rebuild SERVICE's projections from the start of its topics into a fresh database."""
    if service not in PROJECTIONS:
        names = ", ".join(sorted(s.value for s in PROJECTIONS))
        raise typer.BadParameter(
            f"{service.value} owns records that commands wrote; events alone cannot rebuild them "
            f"(replayable: {names})",
            param_hint="SERVICE",
        )
    try:
        result = asyncio.run(replay(service, projection, timeout_s=timeout))
    except TimeoutError as exc:
        Console(stderr=True).print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    Console().print(
        f"Replayed {result.records} record(s) of {service.value}'s topics: {result.handled} event(s) "
        f"handled into the new database, {result.outbox_settled} outbox row(s) deleted as published "
        f"(announced the first time). Point {service.value}'s DATABASE_URL at it and restart."
    )
