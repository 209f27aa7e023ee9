"""`renovation outbox parked|redrive SERVICE`: the service's parked outbox rows (events the relay
gave up publishing, e.g. larger than the broker accepts) and putting them back in the queue.

Works on the service's own database (its DATABASE_URL); the running relay picks re-driven rows
up on its next poll.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.services import Service, settings_of

if TYPE_CHECKING:
    from shared.bus.outbox import OutboxMessage

__all__ = ["app", "parked_rows", "redrive_rows"]

app = typer.Typer(help="Parked outbox rows: list them, queue them again.", no_args_is_help=True)


async def parked_rows(database_url: str) -> list[OutboxMessage]:
    """Every parked row of the outbox, oldest first."""
    import sqlalchemy as sa

    from shared.bus.outbox import PARKED, OutboxMessage, in_state
    from shared.db.engine import create_engine, create_sessions

    engine = create_engine(database_url)
    try:
        async with create_sessions(engine)() as session:
            table = OutboxMessage.__table__  # type: ignore[attr-defined]
            result = await session.exec(  # type: ignore[call-overload]
                sa.select(OutboxMessage).where(in_state(table, PARKED)).order_by(table.c.id)
            )
            return list(result.scalars().all())
    finally:
        await engine.dispose()


async def redrive_rows(database_url: str, ids: list[int] | None) -> int:
    """Queue parked rows again (all when `ids` is None) in one transaction; how many."""
    from shared.bus.outbox import redrive_parked
    from shared.db.engine import create_engine, create_sessions

    engine = create_engine(database_url)
    try:
        async with create_sessions(engine)() as session:
            count = await redrive_parked(session, ids)
            await session.commit()
            return count
    finally:
        await engine.dispose()


ServiceArg = Annotated[Service, typer.Argument(help="the service whose outbox to read")]


@app.command("parked")
def parked_command(service: ServiceArg) -> None:
    """List SERVICE's parked outbox rows with their last error."""
    rows = asyncio.run(parked_rows(settings_of(service).database_url))
    if not rows:
        Console().print(f"No parked outbox rows in {service.value}.")
        return
    table = Table(title=f"{service.value}: {len(rows)} parked outbox row(s)")
    for column in ("id", "event type", "topic", "attempts", "last error", "created at"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            str(row.id),
            row.event_type,
            row.topic,
            str(row.attempts),
            row.last_error or "",
            row.created_at.isoformat(),
        )
    Console().print(table)


@app.command("redrive")
def redrive_command(
    service: ServiceArg,
    row_id: Annotated[list[int] | None, typer.Option("--id", help="a parked row's id (repeatable)")] = None,
    all_rows: Annotated[bool, typer.Option("--all", help="queue every parked row again")] = False,
) -> None:
    """Queue SERVICE's parked outbox rows again (fix the cause first, e.g. message.max.bytes)."""
    if not row_id and not all_rows:
        raise typer.BadParameter("name rows with --id, or pass --all")
    count = asyncio.run(redrive_rows(settings_of(service).database_url, None if all_rows else row_id))
    Console().print(f"Queued {count} parked row(s) of {service.value} again.")
