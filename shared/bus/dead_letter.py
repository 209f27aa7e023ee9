"""Dead-lettering: the original record, byte for byte, plus headers that say why it failed.

Why byte for byte: an operator who fixes the cause can put the record back on its topic unchanged,
and its id still lets the inbox skip it where it was already handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from shared.bus.producer import RenewableProducer, needs_new_producer
from shared.clock import utcnow
from shared.contracts.dead_letter import EXHAUSTED, MALFORMED, PERMANENT

log = logging.getLogger(__name__)

__all__ = ["EXHAUSTED", "MALFORMED", "PERMANENT", "DeadLetter", "dead_letter_headers", "send_to_dead_letter"]


@dataclass(frozen=True)
class DeadLetter:
    """Why a record could not be handled.

    Attributes:
        reason: one of `shared.contracts.dead_letter.REASONS` (``permanent``, ...).
        error: the exception that decided it; its class and message go into the headers.
        attempts: how many times the handler ran (0 when the record could not even be parsed).
    """

    reason: str
    error: BaseException
    attempts: int


def dead_letter_headers(
    record: ConsumerRecord,
    group: str,
    letter: DeadLetter,  # type: ignore[type-arg]
) -> list[tuple[str, bytes]]:
    """The original headers plus `dlq.*` headers naming the reason, error and origin.

    Args:
        record: the record that failed, as consumed.
        group: the consumer group that gave up on it.
        letter: why.

    Returns:
        The record's own headers (any earlier ``dlq.*`` ones dropped, so a record dead-lettered
        twice says only the latest reason) followed by the `DLQ_HEADERS`, all values UTF-8. The
        error message is cut at 4000 characters.
    """
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
    producer: AIOKafkaProducer | RenewableProducer,
    topic: str,
    record: ConsumerRecord,  # type: ignore[type-arg]
    group: str,
    letter: DeadLetter,
    retry_interval_s: float = 1.0,
) -> None:
    """Publish to the dead-letter topic and wait for the ack, retrying until it lands.

    The consumer commits the record's offset only after this returns, so a dead-letter topic that
    is unreachable holds the partition rather than losing the record.

    Args:
        producer: a started producer (the consumer's own).
        topic: the full dead-letter topic name, prefix included.
        record: the record that failed; its key and value are sent unchanged.
        group: the consumer group that gave up on it.
        letter: why.
        retry_interval_s: the pause between failed attempts.

    Raises:
        asyncio.CancelledError: the task was cancelled (shutdown); nothing else escapes, every
            other failure is logged and retried without limit.
    """
    headers = dead_letter_headers(record, group, letter)
    while True:
        generation = getattr(producer, "generation", 0)
        try:
            await producer.send_and_wait(topic, value=record.value, key=record.key, headers=headers)
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("dead-letter publish to %s failed, retrying: %r", topic, exc)
            if needs_new_producer(exc) and isinstance(producer, RenewableProducer):
                with contextlib.suppress(Exception):  # the broker may still be away; next round
                    await producer.renew(generation)
            await asyncio.sleep(retry_interval_s)
