"""`renovation dlq list|redrive SERVICE`: read the service's dead-letter topic `<service>.dlq`
and put records back on their original topic.

Records are read without a consumer group (partitions assigned, read from the start to the
current end), so listing never moves anybody's offsets. A re-driven record is the original key,
value and headers (the `dlq.*` headers dropped), so its event id lets the inbox skip it wherever
it was already handled.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.services import Service, settings_of

__all__ = ["DeadLetterRecord", "app", "list_dead_letters", "read_dead_letters", "redrive"]

app = typer.Typer(help="Dead-lettered events: list them, put them back.", no_args_is_help=True)


@dataclass(frozen=True)
class DeadLetterRecord:
    """One record of a dead-letter topic, with the `dlq.*` headers read out."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str:
        """A header's value as text ('' when absent)."""
        return next((v.decode("utf-8", "replace") for k, v in self.headers if k == name), "")

    @property
    def event_type(self) -> str:
        """The CloudEvent type: the `ce_type` header, else the envelope's `type`."""
        found = self.header("ce_type")
        if found:
            return found
        try:
            return str(json.loads(self.value or b"{}").get("type", ""))
        except (ValueError, AttributeError):
            return ""

    @property
    def original_headers(self) -> list[tuple[str, bytes]]:
        """The record's own headers, without what dead-lettering added."""
        return [(k, v) for k, v in self.headers if not k.startswith("dlq.")]


def _kafka_kwargs(service: Service) -> tuple[str, str, dict[str, object]]:
    from shared.bus.kafka import KafkaSecurity
    from shared.contracts.topics import dead_letter_topic

    settings = settings_of(service)
    security = KafkaSecurity.from_settings(settings).client_kwargs()
    return settings.kafka_bootstrap_servers, settings.topic(dead_letter_topic(service.value)), security


async def read_dead_letters(service: Service, timeout_s: float = 10.0) -> list[DeadLetterRecord]:
    """Every record now on the service's dead-letter topic, oldest first per partition."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    servers, topic, security = _kafka_kwargs(service)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=servers,
        group_id=None,
        enable_auto_commit=False,
        client_id="renovation-cli",
        **security,
    )
    await consumer.start()
    try:
        partitions = await asyncio.wait_for(consumer._client.fetch_all_metadata(), timeout_s)  # noqa: SLF001
        numbers = sorted(partitions.partitions_for_topic(topic) or ())
        assigned = [TopicPartition(topic, p) for p in numbers]
        if not assigned:
            return []
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        ends = await consumer.end_offsets(assigned)
        records: list[DeadLetterRecord] = []
        remaining = {tp for tp in assigned if ends[tp] > await consumer.position(tp)}
        while remaining:
            batch = await asyncio.wait_for(consumer.getmany(*remaining, timeout_ms=1000), timeout_s)
            for tp, messages in batch.items():
                for m in messages:
                    if m.offset < ends[tp]:
                        records.append(
                            DeadLetterRecord(m.partition, m.offset, m.key, m.value, tuple(m.headers or ()))
                        )
            remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()


async def redrive(service: Service, records: list[DeadLetterRecord]) -> int:
    """Publish each record to its `dlq.original.topic`, unchanged; returns how many were sent."""
    from shared.bus.kafka import KafkaSecurity, make_producer

    settings = settings_of(service)
    producer = make_producer(
        settings.kafka_bootstrap_servers, "renovation-cli", security=KafkaSecurity.from_settings(settings)
    )
    await producer.start()
    try:
        for record in records:
            topic = record.header("dlq.original.topic")
            if not topic:
                raise typer.BadParameter(f"record {record.partition}:{record.offset} names no original topic")
            await producer.send_and_wait(topic, record.value, key=record.key, headers=record.original_headers)
    finally:
        await producer.stop()
    return len(records)


def list_dead_letters(records: list[DeadLetterRecord], title: str) -> Table:
    """The records as a table: where, what, why."""
    table = Table(title=title)
    for column in ("partition:offset", "event type", "reason", "error", "original topic", "failed at"):
        table.add_column(column, overflow="fold")
    for r in records:
        error = f"{r.header('dlq.error.class')}: {r.header('dlq.error.message')}".strip(": ")
        table.add_row(
            f"{r.partition}:{r.offset}",
            r.event_type,
            r.header("dlq.reason"),
            error,
            r.header("dlq.original.topic"),
            r.header("dlq.failed.at"),
        )
    return table


ServiceArg = Annotated[Service, typer.Argument(help="the service whose dead letters to read")]


@app.command("list")
def list_command(service: ServiceArg) -> None:
    """List the dead-lettered events of SERVICE with reason, error and original topic."""
    records = asyncio.run(read_dead_letters(service))
    if not records:
        Console().print(f"No dead letters for {service.value}.")
        return
    Console().print(list_dead_letters(records, f"{service.value}.dlq: {len(records)} record(s)"))


@app.command("redrive")
def redrive_command(
    service: ServiceArg,
    offset: Annotated[
        list[str] | None, typer.Option("--offset", help="PARTITION:OFFSET of one record (repeatable)")
    ] = None,
    all_records: Annotated[bool, typer.Option("--all", help="re-drive every record on the topic")] = False,
) -> None:
    """Put dead-lettered events of SERVICE back on their original topics (fix the cause first)."""
    if not offset and not all_records:
        raise typer.BadParameter("name records with --offset PARTITION:OFFSET, or pass --all")
    wanted: set[tuple[int, int]] = set()
    for item in offset or []:
        partition, sep, number = item.partition(":")
        if not sep or not partition.isdigit() or not number.isdigit():
            raise typer.BadParameter(f"{item!r}: expected PARTITION:OFFSET, e.g. 0:12", param_hint="--offset")
        wanted.add((int(partition), int(number)))
    records = asyncio.run(read_dead_letters(service))
    chosen = records if all_records else [r for r in records if (r.partition, r.offset) in wanted]
    missing = wanted - {(r.partition, r.offset) for r in chosen}
    if missing:
        shown = ", ".join(f"{p}:{o}" for p, o in sorted(missing))
        raise typer.BadParameter(f"no such record on {service.value}.dlq: {shown}", param_hint="--offset")
    sent = asyncio.run(redrive(service, chosen))
    Console().print(f"Re-drove {sent} record(s) from {service.value}.dlq to their original topics.")
