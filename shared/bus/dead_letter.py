"""Dead-lettering: the original record, byte for byte, plus headers that say why it failed."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from shared.clock import utcnow
from shared.contracts.dead_letter import EXHAUSTED, MALFORMED, PERMANENT

log = logging.getLogger(__name__)

__all__ = ["EXHAUSTED", "MALFORMED", "PERMANENT", "DeadLetter", "dead_letter_headers", "send_to_dead_letter"]


@dataclass(frozen=True)
class DeadLetter:
    """Why a record could not be handled."""

    reason: str
    error: BaseException
    attempts: int


def dead_letter_headers(
    record: ConsumerRecord,
    group: str,
    letter: DeadLetter,  # type: ignore[type-arg]
) -> list[tuple[str, bytes]]:
    """The original headers plus `dlq.*` headers naming the reason, error and origin."""
    extra = {
        "dlq.reason": letter.reason,
        "dlq.error.class": type(letter.error).__name__,
        "dlq.error.message": str(letter.error)[:4000],
        "dlq.attempts": str(letter.attempts),
        "dlq.consumer.group": group,
        "dlq.original.topic": record.topic,
        "dlq.original.partition": str(record.partition),
        "dlq.original.offset": str(record.offset),
        "dlq.failed.at": utcnow().isoformat(),
    }
    original = [(k, v) for k, v in (record.headers or []) if not k.startswith("dlq.")]
    return original + [(k, v.encode()) for k, v in extra.items()]


async def send_to_dead_letter(
    producer: AIOKafkaProducer,
    topic: str,
    record: ConsumerRecord,  # type: ignore[type-arg]
    group: str,
    letter: DeadLetter,
    retry_interval_s: float = 1.0,
) -> None:
    """Publish to the dead-letter topic and wait for the ack, retrying until it lands.

    The consumer commits the record's offset only after this returns, so a dead-letter topic that
    is unreachable holds the partition rather than losing the record.
    """
    headers = dead_letter_headers(record, group, letter)
    while True:
        try:
            await producer.send_and_wait(topic, value=record.value, key=record.key, headers=headers)
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("dead-letter publish to %s failed, retrying: %r", topic, exc)
            await asyncio.sleep(retry_interval_s)
