"""A producer that is replaced when its idempotence state is lost.

An idempotent producer numbers each partition's batches. When a broker restarts mid-flight it can
answer `OutOfOrderSequenceNumber` (or forget the producer id), and aiokafka cannot recover from
that: every later send fails the same way, so the relay would retry forever and publish nothing.
The Java client resets its producer id (KIP-360); here the whole producer is replaced, which gets a
new id and fresh sequences. Nothing is lost by it: the relay's rows stay pending until acked, and
consumers drop the copies a resend may make by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    InvalidProducerEpoch,
    MessageSizeTooLargeError,
    OutOfOrderSequenceNumber,
    ProducerClosed,
    ProducerFenced,
    RecordTooLargeError,
    UnknownProducerId,
)

__all__ = ["PRODUCER_STATE_ERRORS", "SIZE_REFUSALS", "RenewableProducer", "needs_new_producer"]

log = logging.getLogger(__name__)

PRODUCER_STATE_ERRORS: tuple[type[BaseException], ...] = (
    OutOfOrderSequenceNumber,
    UnknownProducerId,
    InvalidProducerEpoch,
    ProducerFenced,
    ProducerClosed,
)
"""Errors after which the producer itself is unusable (not the record, not the broker)."""

SIZE_REFUSALS: tuple[type[BaseException], ...] = (MessageSizeTooLargeError, RecordTooLargeError)
"""A record refused for its size (by the broker or by the producer's own limit): sending the same
bytes again can never succeed. The relay parks such a row; the dead-letter path sends less."""

_STOP_TIMEOUT_S = 5.0


def needs_new_producer(error: BaseException | None) -> bool:
    """Whether a send failed because the producer's own state is broken.

    Args:
        error: what a send or its ack raised, or None.

    Returns:
        True for the errors in `PRODUCER_STATE_ERRORS`.
    """
    return isinstance(error, PRODUCER_STATE_ERRORS)


class RenewableProducer:
    """Wraps the current `AIOKafkaProducer`; `renew()` swaps in a fresh one.

    The relay and the consumer's dead-letter path share one instance, so a renewal serves both.
    Anything not defined here (e.g. ``client``) is read from the current producer.

    Args:
        factory: builds a new, not yet started producer (e.g. `shared.bus.kafka.make_producer`
            with the service's settings).
    """

    def __init__(self, factory: Callable[[], AIOKafkaProducer]) -> None:
        self._factory = factory
        self._producer = factory()
        self._generation = 0
        self._lock = asyncio.Lock()

    @property
    def generation(self) -> int:
        """How many times the producer was replaced; a failed send names the one it used."""
        return self._generation

    async def start(self) -> None:
        """Start the current producer (connects and fetches metadata)."""
        await self._producer.start()

    async def stop(self) -> None:
        """Flush and stop the current producer."""
        await self._producer.stop()

    async def send(self, *args: Any, **kwargs: Any) -> asyncio.Future[Any]:
        """Enqueue a record on the current producer; returns its ack future.

        Args:
            *args: as `AIOKafkaProducer.send`.
            **kwargs: as `AIOKafkaProducer.send`.

        Returns:
            The record's delivery future.
        """
        return await self._producer.send(*args, **kwargs)

    async def send_and_wait(self, *args: Any, **kwargs: Any) -> Any:
        """Send a record on the current producer and wait for its ack.

        Args:
            *args: as `AIOKafkaProducer.send_and_wait`.
            **kwargs: as `AIOKafkaProducer.send_and_wait`.

        Returns:
            The record's metadata.
        """
        return await self._producer.send_and_wait(*args, **kwargs)

    async def renew(self, failed_generation: int) -> bool:
        """Replace the producer the failed send used, unless that was already done.

        Args:
            failed_generation: `generation` when the failed records were sent; a second caller
                reporting the same failure finds it already renewed.

        Returns:
            Whether a new producer was started by this call.

        Raises:
            aiokafka.errors.KafkaError: the new producer could not start (the broker is still
                away); the old one stays in place and the caller retries later.
        """
        async with self._lock:
            if failed_generation != self._generation:
                return False
            fresh = self._factory()
            await fresh.start()
            old, self._producer = self._producer, fresh
            self._generation += 1
        log.warning("kafka producer replaced, its idempotence state lost (generation %d)", self._generation)
        with contextlib.suppress(Exception):
            # Its batches failed for good already; do not let a hanging flush hold the caller.
            await asyncio.wait_for(old.stop(), timeout=_STOP_TIMEOUT_S)
        return True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._producer, name)
