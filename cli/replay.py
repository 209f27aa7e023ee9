"""`renovation replay SERVICE --projection DATABASE_URL`: rebuild a service's projections by
re-consuming its topics from the start into a fresh database.

Why: a projection (reporting's rollups, progress, weekly reports, bulletins) is derived from the
events alone, so a wrong figure is fixed by correcting the handler and rebuilding, and a new
projection is filled the same way. The live service keeps answering from its own database while
the replay runs; the operator then points the service at the rebuilt one (blue-green).

How: the service's own migrations on the fresh database, then `shared.bus.rebuild`: the
partitions of the service's topics read from the start to the end they had when the replay
began, split among worker processes (one per core on PostgreSQL), through the service's own
decoding, inbox and handlers (`SUBSCRIPTIONS`), in large transactions; a chunk that fails is
handled again the live consumer's way. Events the handlers stage in the outbox were published
when the events were first handled, so the replay deletes them, as the relay does once it has
published a row: the rebuilt database never announces history a second time. Only services
whose state is a projection may be replayed: the others own records that commands wrote, which
events alone cannot rebuild.

Switching over: the inbox rows are written for the service's own consumer group, so the service,
once pointed at the rebuilt database, skips every event the replay handled. Events that arrived
after the replay read its partitions' ends were handled only into the old database; so stop the
service, rewind its consumer group to the earliest offsets, point it at the rebuilt database and
start it: it reads the topics again, the inbox skips what the replay wrote, and it handles the
rest (docs/operations.md).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli.services import Service, settings_of

__all__ = ["PROJECTIONS", "ReplayResult", "replay", "replay_command", "rewind", "rewind_command"]

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


async def replay(
    service: Service, database_url: str, timeout_s: float = 600.0, workers: int | None = None
) -> ReplayResult:
    """Re-consume `service`'s topics from the start into the fresh database at `database_url`.

    Args:
        service: a service in `PROJECTIONS`.
        database_url: an empty database (migrated here); one that already handled events is refused.
        timeout_s: give up after this long.
        workers: processes to split the partitions among (`shared.bus.rebuild`); None: one per
            core on PostgreSQL. SQLite always gets one.

    Returns:
        The counts of the replay.

    Raises:
        typer.BadParameter: the database is not fresh.
        TimeoutError: the end was not reached within `timeout_s`.
    """
    import sqlalchemy as sa

    from shared.bus.kafka import KafkaSecurity
    from shared.bus.outbox import PENDING, OutboxMessage
    from shared.bus.rebuild import RebuildJob, end_offsets, rebuild
    from shared.contracts.topics import dead_letter_topic
    from shared.db import create_engine, run_migrations

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
        spans = await end_offsets(settings.kafka_bootstrap_servers, topics, security)
        group = settings.consumer_group  # the live group's inbox rows: see the module's docstring
        job = RebuildJob(
            service=settings.service_name,
            subscriptions=f"services.{service.value}.handlers",
            database_url=database_url,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group=group,
            dead_letter_topic=settings.topic(dead_letter_topic(settings.service_name)),
            security=security,
            max_attempts=settings.consumer_max_attempts,
            retry_backoff_s=settings.consumer_retry_backoff_s,
            gc_thresholds=settings.gc_thresholds,
        )
        if engine.dialect.name != "postgresql":
            workers = 1  # SQLite has one writer
        elif workers is None:
            workers = os.cpu_count() or 1
        total = sum(spans.values())
        with Progress(
            TextColumn(f"replaying {service.value}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as progress:
            task = progress.add_task("records", total=total)
            try:
                read = await asyncio.wait_for(
                    rebuild(
                        job, spans, workers=workers, progress=lambda n: progress.update(task, completed=n)
                    ),
                    timeout_s,
                )
            except TimeoutError:
                raise TimeoutError(
                    f"replay did not reach the end of {total} records in {timeout_s:.0f}s"
                ) from None
        outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
        async with engine.begin() as connection:
            settled = (await connection.execute(sa.delete(outbox).where(outbox.c.state == PENDING))).rowcount
            handled = (await connection.execute(sa.text("SELECT count(*) FROM inbox_message"))).scalar_one()
        return ReplayResult(records=read, handled=int(handled), outbox_settled=int(settled), group=group)
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
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, max=64, help="processes to split the partitions among (default: the cores)"
        ),
    ] = None,
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
        result = asyncio.run(replay(service, projection, timeout_s=timeout, workers=workers))
    except TimeoutError as exc:
        Console(stderr=True).print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    Console().print(
        f"Replayed {result.records} record(s) of {service.value}'s topics: {result.handled} event(s) "
        f"handled into the new database, {result.outbox_settled} outbox row(s) deleted as published "
        f"(announced the first time). To switch over: stop {service.value}, run `renovation rewind "
        f"{service.value}` (consumer group {result.group} back to the start of its topics), point "
        f"{service.value}'s DATABASE_URL at the new database and start it."
    )


async def rewind(service: Service) -> int:
    """Commit the start of every partition of `service`'s topics for its consumer group.

    The last step of a switch-over to a replayed database: the service, started on it, reads its
    topics again; the inbox skips what the replay handled and it handles what came after.

    Args:
        service: a service in `PROJECTIONS`, stopped (a group with members refuses the commit).

    Returns:
        The partitions rewound.

    Raises:
        typer.BadParameter: the group still has members (the service is running).
    """
    from aiokafka.errors import KafkaError

    from shared.bus.kafka import KafkaSecurity, make_consumer
    from shared.bus.rebuild import topic_partitions

    settings = settings_of(service)
    subscriptions = import_module(f"services.{service.value}.handlers").SUBSCRIPTIONS
    security = KafkaSecurity.from_settings(settings)
    topics = [settings.topic(t) for t in subscriptions.topics]
    consumer = make_consumer(  # subscribed to nothing: its partitions are assigned below
        settings.kafka_bootstrap_servers, settings.consumer_group, [], "renovation-rewind", security=security
    )
    await consumer.start()
    try:
        partitions = await topic_partitions(consumer, topics)
        if not partitions:
            return 0
        consumer.assign(partitions)
        starts = await consumer.beginning_offsets(partitions)
        try:
            await consumer.commit(starts)
        except KafkaError as exc:
            raise typer.BadParameter(
                f"consumer group {settings.consumer_group} refused the rewind ({exc!r}); stop "
                f"{service.value} first",
                param_hint="SERVICE",
            ) from None
        return len(partitions)
    finally:
        await consumer.stop()


def rewind_command(
    service: Annotated[Service, typer.Argument(help="the stopped service whose consumer group to rewind")],
) -> None:
    """Rewind SERVICE's consumer group to the start of its topics (after a replay, to switch over)."""
    if service not in PROJECTIONS:
        names = ", ".join(sorted(s.value for s in PROJECTIONS))
        raise typer.BadParameter(
            f"only a projection's group is rewound (rewindable: {names})", param_hint="SERVICE"
        )
    rewound = asyncio.run(rewind(service))
    Console().print(
        f"Rewound {service.value}'s consumer group on {rewound} partition(s) to their start; "
        f"start {service.value} on the replayed database."
    )
