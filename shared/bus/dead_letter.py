"""Dead-lettering: the original record, byte for byte, plus headers that say why it failed.

Why byte for byte: an operator who fixes the cause can put the record back on its topic unchanged,
and its id still lets the inbox skip it where it was already handled.

One failure never goes away by retrying: a record that no longer fits the broker's (or the
producer's) size limit once the `dlq.*` headers are added. Then the letter is sent without the
value (header `dlq.value.omitted` says why; `dlq.original.*` say where the record still is, for
the topic's retention), and if even that is too large, without the record's own headers too, so a
partition is never held forever by a letter that can never be written (issue 12, item 6). Every
other failure (the broker away, a leader moving) is retried until it lands.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from shared.bus.producer import SIZE_REFUSALS, RenewableProducer, needs_new_producer
from shared.clock import utcnow
from shared.contracts.dead_letter import EXHAUSTED, MALFORMED, PERMANENT

log = logging.getLogger(__name__)

__all__ = [
    "EXHAUSTED",
    "MALFORMED",
    "PERMANENT",
    "DeadLetter",
    "dead_letter_headers",
    "send_to_dead_letter",
]


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
        asyncio.CancelledError: the task was cancelled (shutdown); nothing else escapes: a letter
            too large is sent smaller (see the module), every other failure is logged and retried
            without limit.
    """
    headers = dead_letter_headers(record, group, letter)
    value = record.value
    while True:
        generation = getattr(producer, "generation", 0)
        try:
            await producer.send_and_wait(topic, value=value, key=record.key, headers=headers)
            return
        except asyncio.CancelledError:
            raise
        except SIZE_REFUSALS as exc:
            smaller = _smaller(value, headers, exc, topic)
            if smaller is not None:
                value, headers = smaller
                continue
            log.error("dead letter to %s refused as too large with only its dlq.* headers: %r", topic, exc)
            await asyncio.sleep(retry_interval_s)  # a broker limit that low is a configuration fault
        except Exception as exc:
            log.warning("dead-letter publish to %s failed, retrying: %r", topic, exc)
            if needs_new_producer(exc) and isinstance(producer, RenewableProducer):
                with contextlib.suppress(Exception):  # the broker may still be away; next round
                    await producer.renew(generation)
            await asyncio.sleep(retry_interval_s)


def _smaller(
    value: bytes | None, headers: list[tuple[str, bytes]], error: BaseException, topic: str
) -> tuple[bytes | None, list[tuple[str, bytes]]] | None:
    """The next, smaller letter after a size refusal: first without the value, then without the
    record's own headers (the `dlq.*` ones stay); None when it is as small as it gets."""
    if value is not None:
        log.error("dead letter to %s too large (%r); sending it without the record's value", topic, error)
        omitted = f"{type(error).__name__}: the record is on its original topic (dlq.original.*)"
        return None, [*headers, ("dlq.value.omitted", omitted.encode())]
    own = [(k, v) for k, v in headers if not k.startswith("dlq.")]
    if own:
        log.error("dead letter to %s still too large (%r); sending only its dlq.* headers", topic, error)
        return None, [(k, v) for k, v in headers if k.startswith("dlq.")]
    return None
