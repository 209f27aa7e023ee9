"""`send_records` hands the relay's records over as one record batch per partition, keeping what
`send` one by one gave: a key's order and partition, an oversized record refused alone, and
nothing of a key or partition going out after an earlier record of it failed to be enqueued."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.errors import KafkaTimeoutError, MessageSizeTooLargeError

from shared.bus.partitioner import KeyPartitioner
from shared.bus.record_batches import SINGLE_RECORD_BYTES, OutgoingRecord, send_records

HEADERS = [("content-type", b"application/cloudevents+json")]
PARTITIONS = 3


def partition_of(key: bytes) -> int:
    return KeyPartitioner()(key, list(range(PARTITIONS)), list(range(PARTITIONS)))


def keys_in(partition: int, count: int) -> list[bytes]:
    found = [k for k in (f"project-{i}".encode() for i in range(500)) if partition_of(k) == partition]
    return found[:count]


class Builder:
    """aiokafka's `BatchBuilder` as the relay uses it: a fixed number of records fit."""

    def __init__(self, capacity: int) -> None:
        self.records: list[tuple[bytes, bytes, Any]] = []
        self.capacity = capacity
        self.closed = False

    def append(self, *, timestamp: Any, key: bytes, value: bytes, headers: Any) -> object | None:
        if self.closed or len(self.records) >= self.capacity:
            return None
        self.records.append((key, value, headers))
        return object()

    def close(self) -> None:
        self.closed = True


class BatchProducer:
    """Records what reached it, in order; `failing_batches` are refused by their ordinal."""

    def __init__(self, capacity: int = 2) -> None:
        self.capacity = capacity
        self.log: list[tuple[str, str, int, list[bytes]]] = []
        self.failing_batches: set[int] = set()
        self.metadata_error: BaseException | None = None
        self.metadata_asked = 0

    def create_batch(self) -> Builder:
        return Builder(self.capacity)

    async def partitions_for(self, topic: str) -> set[int]:
        self.metadata_asked += 1
        if self.metadata_error is not None:
            raise self.metadata_error
        return set(range(PARTITIONS))

    async def send_batch(self, builder: Builder, topic: str, *, partition: int) -> asyncio.Future[Any]:
        assert builder.closed  # nothing else could be appended to it
        assert all(headers == HEADERS for _, _, headers in builder.records)
        ordinal = sum(1 for entry in self.log if entry[0] == "batch")
        self.log.append(("batch", topic, partition, [value for _, value, _ in builder.records]))
        if ordinal in self.failing_batches:
            raise KafkaTimeoutError()
        return acked()

    async def send(self, topic: str, *, value: bytes, key: bytes, partition: int, headers: Any) -> Any:
        self.log.append(("send", topic, partition, [value[:8]]))
        if len(value) > 2 * SINGLE_RECORD_BYTES:
            raise MessageSizeTooLargeError()
        return acked()


def in_partition(producer: BatchProducer, partition: int) -> list[list[bytes]]:
    """What reached one partition, batch by batch, in order."""
    return [values for kind, _, p, values in producer.log if kind == "batch" and p == partition]


def acked() -> asyncio.Future[Any]:
    future = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future


def record(key: bytes, value: bytes, topic: str = "t") -> OutgoingRecord:
    return OutgoingRecord(topic, key, value)


async def test_each_partitions_records_go_in_order_in_batches_that_share_an_ack() -> None:
    (a, b), (c,) = keys_in(0, 2), keys_in(1, 1)
    records = [record(a, b"a1"), record(c, b"c1"), record(b, b"b1"), record(a, b"a2"), record(c, b"c2")]
    producer = BatchProducer(capacity=2)
    outcomes = await send_records(producer, records, HEADERS)
    assert in_partition(producer, 0) == [[b"a1", b"b1"], [b"a2"]]  # full: submitted when a2 came
    assert in_partition(producer, 1) == [[b"c1", b"c2"]]
    assert outcomes[0] is outcomes[2] and outcomes[1] is outcomes[4]
    assert all(isinstance(o, asyncio.Future) for o in outcomes)
    assert len({id(o) for o in outcomes}) == 3
    assert producer.metadata_asked == 1


async def test_an_oversized_record_goes_alone_after_what_its_partition_has_in_hand() -> None:
    (a, b) = keys_in(0, 2)
    big, too_big = b"B" * (SINGLE_RECORD_BYTES + 1), b"X" * (3 * SINGLE_RECORD_BYTES)
    records = [record(a, b"a1"), record(b, big), record(a, too_big), record(a, b"a3"), record(b, b"b2")]
    producer = BatchProducer(capacity=10)
    outcomes = await send_records(producer, records, HEADERS)
    assert producer.log == [
        ("batch", "t", 0, [b"a1"]),
        ("send", "t", 0, [b"BBBBBBBB"]),
        ("send", "t", 0, [b"XXXXXXXX"]),
        ("batch", "t", 0, [b"b2"]),  # a3 is held: an earlier record of its key was refused
    ]
    assert isinstance(outcomes[1], asyncio.Future)
    assert isinstance(outcomes[2], MessageSizeTooLargeError)
    assert outcomes[3] is None
    assert isinstance(outcomes[4], asyncio.Future)


async def test_a_batch_not_enqueued_fails_its_records_and_holds_back_every_later_one() -> None:
    """Not just its partition's: aiokafka would make each further partition wait its request
    timeout out again while the broker is away."""
    (a, b), (c,), (d,) = keys_in(0, 2), keys_in(1, 1), keys_in(2, 1)
    records = [
        record(c, b"c1"),
        record(a, b"a1"),
        record(b, b"b1"),
        record(b, b"b2"),  # p0 is full: its batch is handed over, and refused
        record(c, b"c2"),
        record(d, b"d1"),
    ]
    producer = BatchProducer(capacity=2)
    producer.failing_batches = {0}
    outcomes = await send_records(producer, records, HEADERS)
    assert producer.log == [("batch", "t", 0, [b"a1", b"b1"])]  # nothing handed over after it
    assert isinstance(outcomes[1], KafkaTimeoutError) and outcomes[2] is outcomes[1]
    assert outcomes[0] is None  # c1 was in p1's open batch: held back, not handed over
    assert outcomes[3:] == [None, None, None]


async def test_a_topic_without_metadata_fails_its_records_without_asking_again() -> None:
    records = [record(key, b"v") for key in keys_in(0, 2) + keys_in(2, 2)]
    producer = BatchProducer()
    producer.metadata_error = KafkaTimeoutError()
    outcomes = await send_records(producer, records, HEADERS)
    assert all(o is producer.metadata_error for o in outcomes)
    assert producer.metadata_asked == 1
    assert producer.log == []


async def test_a_producer_without_the_batch_api_gets_one_send_per_record() -> None:
    sent: list[bytes] = []

    class OneByOne:
        async def send(self, topic: str, *, value: bytes, key: bytes, headers: Any) -> Any:
            sent.append(value)
            if value == b"a1":
                raise KafkaTimeoutError()
            return acked()

    (a,), (c,) = keys_in(0, 1), keys_in(1, 1)
    records = [record(a, b"a1"), record(c, b"c1"), record(a, b"a2")]
    outcomes = await send_records(OneByOne(), records, HEADERS)
    assert sent == [b"a1", b"c1"]
    assert isinstance(outcomes[0], KafkaTimeoutError)
    assert isinstance(outcomes[1], asyncio.Future)
    assert outcomes[2] is None
