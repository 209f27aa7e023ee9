"""Dead-lettering: the record byte for byte, headers saying why, and a publish that never gives up.

The consumer commits a record's offset only after the dead-letter publish returns, so the publish
retries until the broker acks it; a producer whose idempotence state is lost is replaced.
"""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    MessageSizeTooLargeError,
    OutOfOrderSequenceNumber,
    RecordTooLargeError,
)

from shared.bus.dead_letter import PERMANENT, DeadLetter, dead_letter_headers, send_to_dead_letter
from shared.bus.errors import PermanentError
from shared.bus.producer import RenewableProducer
from tests.support.pauses import sleeps_fixture  # noqa: F401  (fixture)

TOPIC = "test.dead-letter"


def _record(headers: list[tuple[str, bytes]] | None = None) -> Any:
    return SimpleNamespace(
        topic="registry.project", partition=3, offset=41, key=b"p-1", value=b'{"id":"e-1"}', headers=headers
    )


def _letter(error: BaseException | None = None, attempts: int = 2) -> DeadLetter:
    return DeadLetter(PERMANENT, error or PermanentError("project p-1 is unknown"), attempts)


class TestHeaders:
    def test_the_headers_name_reason_error_attempts_group_and_origin(self) -> None:
        headers = dict(dead_letter_headers(_record(), "funding", _letter()))
        assert headers["dlq.reason"] == b"permanent"
        assert headers["dlq.error.class"] == b"PermanentError"
        assert headers["dlq.error.message"] == b"project p-1 is unknown"
        assert headers["dlq.attempts"] == b"2"
        assert headers["dlq.consumer.group"] == b"funding"
        assert headers["dlq.original.topic"] == b"registry.project"
        assert headers["dlq.original.partition"] == b"3"
        assert headers["dlq.original.offset"] == b"41"

    def test_the_error_message_is_cut_at_four_thousand_characters(self) -> None:
        headers = dict(dead_letter_headers(_record(), "g", _letter(ValueError("x" * 4001))))
        assert headers["dlq.error.message"] == b"x" * 4000

    def test_the_records_own_headers_come_first_and_are_kept(self) -> None:
        own = [("traceparent", b"00-abc-def-01"), ("origin", b"relay")]
        headers = dead_letter_headers(_record(own), "g", _letter())
        assert headers[:2] == own
        assert [k for k, _ in headers[2:]] == [
            "dlq.reason",
            "dlq.error.class",
            "dlq.error.message",
            "dlq.attempts",
            "dlq.consumer.group",
            "dlq.original.topic",
            "dlq.original.partition",
            "dlq.original.offset",
            "dlq.failed.at",
        ]

    def test_a_record_dead_lettered_twice_says_only_the_latest_reason(self) -> None:
        earlier = [("dlq.reason", b"retries_exhausted"), ("dlq.attempts", b"5"), ("origin", b"relay")]
        headers = dead_letter_headers(_record(earlier), "g", _letter())
        assert [v for k, v in headers if k == "dlq.reason"] == [b"permanent"]
        assert [v for k, v in headers if k == "dlq.attempts"] == [b"2"]
        assert ("origin", b"relay") in headers

    def test_a_record_without_headers_gets_only_the_dead_letter_ones(self) -> None:
        headers = dead_letter_headers(_record(None), "g", _letter())
        assert all(k.startswith("dlq.") for k, _ in headers)
        assert len(headers) == 9


class FlakyProducer:
    """Fails its first `failures` sends with `error`, then acks; keeps what it was given."""

    def __init__(self, failures: int = 0, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or KafkaConnectionError("broker away")
        self.sent: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        self.started = False

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        pass

    async def send_and_wait(self, *args: Any, **kwargs: Any) -> None:
        if self.failures:
            self.failures -= 1
            raise self.error
        self.sent.append((args, kwargs))


class TestPublish:
    async def test_the_record_goes_to_the_dead_letter_topic_unchanged_with_the_headers(
        self, sleeps: list[float]
    ) -> None:
        producer = FlakyProducer()
        record = _record([("origin", b"relay")])
        await send_to_dead_letter(producer, TOPIC, record, "funding", _letter())  # type: ignore[arg-type]
        [(args, kwargs)] = producer.sent
        assert args == (TOPIC,)
        assert kwargs["value"] == b'{"id":"e-1"}'
        assert kwargs["key"] == b"p-1"
        headers = dict(kwargs["headers"])
        assert headers["origin"] == b"relay"
        assert headers["dlq.reason"] == b"permanent"
        assert headers["dlq.consumer.group"] == b"funding"
        assert sleeps == []

    async def test_a_failed_publish_is_retried_every_second_until_it_lands(
        self, sleeps: list[float], caplog: pytest.LogCaptureFixture
    ) -> None:
        producer = FlakyProducer(failures=2)
        with caplog.at_level(logging.WARNING, logger="shared.bus.dead_letter"):
            await send_to_dead_letter(producer, TOPIC, _record(), "g", _letter())  # type: ignore[arg-type]
        assert len(producer.sent) == 1
        assert sleeps == [1.0, 1.0]
        messages = [r.getMessage() for r in caplog.records if r.name == "shared.bus.dead_letter"]
        assert messages == [f"dead-letter publish to {TOPIC} failed, retrying: {producer.error!r}"] * 2

    async def test_the_pause_between_attempts_can_be_chosen(self, sleeps: list[float]) -> None:
        producer = FlakyProducer(failures=1)
        await send_to_dead_letter(producer, TOPIC, _record(), "g", _letter(), retry_interval_s=0.25)  # type: ignore[arg-type]
        assert sleeps == [0.25]

    async def test_a_producer_that_lost_its_idempotence_state_is_replaced(self, sleeps: list[float]) -> None:
        # The first producer was replaced once already (generation 1); its successor then loses
        # its state too and must be replaced again, naming generation 1 as the one that failed.
        built = [
            FlakyProducer(),
            FlakyProducer(failures=99, error=OutOfOrderSequenceNumber()),
            FlakyProducer(),
        ]
        producer = RenewableProducer(lambda: built.pop(0))  # type: ignore[arg-type,return-value]
        await producer.renew(0)
        assert producer.generation == 1
        await send_to_dead_letter(producer, TOPIC, _record(), "g", _letter())
        assert producer.generation == 2
        assert built == []
        assert sleeps == [1.0]

    async def test_a_broker_outage_does_not_replace_the_producer(self, sleeps: list[float]) -> None:
        first = FlakyProducer(failures=1)
        spare = FlakyProducer()
        built = [first, spare]
        producer = RenewableProducer(lambda: built.pop(0))  # type: ignore[arg-type,return-value]
        await send_to_dead_letter(producer, TOPIC, _record(), "g", _letter())
        assert producer.generation == 0
        assert built == [spare]
        assert len(first.sent) == 1

    async def test_a_replacement_that_cannot_start_yet_is_tried_again_next_round(
        self, sleeps: list[float]
    ) -> None:
        class WontStart(FlakyProducer):
            async def start(self) -> None:
                raise KafkaConnectionError("broker still away")

        broken = FlakyProducer(failures=99, error=OutOfOrderSequenceNumber())
        built = [broken, WontStart(), FlakyProducer()]
        producer = RenewableProducer(lambda: built.pop(0))  # type: ignore[arg-type,return-value]
        await send_to_dead_letter(producer, TOPIC, _record(), "g", _letter())
        assert producer.generation == 1
        assert sleeps == [1.0, 1.0]

    async def test_cancellation_is_not_retried(self, sleeps: list[float]) -> None:
        class Cancelled(FlakyProducer):
            async def send_and_wait(self, *args: Any, **kwargs: Any) -> None:
                raise asyncio.CancelledError

        with pytest.raises(asyncio.CancelledError):
            await send_to_dead_letter(Cancelled(), TOPIC, _record(), "g", _letter())  # type: ignore[arg-type]
        assert sleeps == []


class SizeLimitedProducer:
    """Refuses, as the broker or aiokafka would, any letter over `limit` bytes (value + headers)."""

    def __init__(self, limit: int, error: BaseException | None = None) -> None:
        self.limit = limit
        self.error = error or MessageSizeTooLargeError()
        self.tried: list[dict[str, Any]] = []

    async def send_and_wait(self, topic: str, *, value: bytes | None, key: bytes, headers: Any) -> None:
        self.tried.append({"value": value, "headers": dict(headers)})
        size = len(value or b"") + sum(len(k) + len(v) for k, v in headers)
        if size > self.limit:
            raise self.error


class TestTooLarge:
    async def test_a_letter_over_the_size_limit_is_sent_without_the_value(self, sleeps: list[float]) -> None:
        producer = SizeLimitedProducer(limit=1000)
        record = _record([("origin", b"relay")])
        record.value = b"x" * 2000
        await send_to_dead_letter(producer, TOPIC, record, "g", _letter())  # type: ignore[arg-type]
        first, second = producer.tried
        assert (first["value"], second["value"]) == (b"x" * 2000, None)
        assert second["headers"]["origin"] == b"relay"  # the record's own headers still fit
        assert second["headers"]["dlq.value.omitted"].startswith(b"MessageSizeTooLargeError")
        assert second["headers"]["dlq.original.offset"] == first["headers"]["dlq.original.offset"]
        assert sleeps == []  # no pause: a smaller letter is a new letter

    async def test_when_the_headers_are_too_large_too_only_the_dlq_headers_go(
        self, sleeps: list[float]
    ) -> None:
        producer = SizeLimitedProducer(limit=1200, error=RecordTooLargeError())
        record = _record([("trace", b"t" * 1500), ("origin", b"relay")])
        await send_to_dead_letter(producer, TOPIC, record, "g", _letter())  # type: ignore[arg-type]
        assert len(producer.tried) == 3
        last = producer.tried[-1]["headers"]
        assert last["dlq.reason"] == b"permanent"
        assert all(k.startswith("dlq.") for k in last)
        assert sleeps == []

    async def test_a_limit_too_low_for_the_dlq_headers_is_retried_not_raised(
        self, sleeps: list[float]
    ) -> None:
        class Eventually(SizeLimitedProducer):
            async def send_and_wait(self, topic: str, **kwargs: Any) -> None:
                if len(self.tried) == 4:  # the operator raised the limit
                    self.limit = 10**6
                await super().send_and_wait(topic, **kwargs)

        producer = Eventually(limit=10)
        await send_to_dead_letter(producer, TOPIC, _record(), "g", _letter())  # type: ignore[arg-type]
        assert [t["value"] is None for t in producer.tried] == [False, True, True, True, True]
        assert sleeps == [1.0, 1.0, 1.0]  # a pause after each refusal of the smallest letter
