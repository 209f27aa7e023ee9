"""`KeyPartitioner` maps keys to partitions exactly as Kafka's clients do (murmur2 of the key), so a
key's events stay in one partition across the change and agree with any other producer."""

from __future__ import annotations

import random
import uuid
from collections import Counter

import pytest
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2

from shared.bus.partitioner import KeyPartitioner, murmur2


def signed(value: int) -> int:
    return value - (1 << 32) if value >= 1 << 31 else value


@pytest.mark.parametrize(
    ("key", "java"),
    [  # org.apache.kafka.common.utils.UtilsTest.testMurmur2
        (b"21", -973932308),
        (b"foobar", -790332482),
        (b"a-little-bit-long-string", -985981536),
        (b"a-little-bit-longer-string", -1486304829),
        (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
        (b"abc", 479470107),
    ],
)
def test_murmur2_gives_the_java_clients_hash(key: bytes, java: int) -> None:
    assert signed(murmur2(key)) == java


def test_murmur2_agrees_with_aiokafka_for_every_length_and_tail() -> None:
    rng = random.Random(20261124)
    for length in range(0, 130):
        for _ in range(20):
            key = rng.randbytes(length)
            assert murmur2(key) == aiokafka_murmur2(key), key


def test_a_keyed_record_goes_where_aiokafkas_default_partitioner_sends_it() -> None:
    ours, theirs = KeyPartitioner(), DefaultPartitioner()
    for count in (1, 3, 12, 24):
        partitions = list(range(count))
        for _ in range(300):
            key = str(uuid.uuid4()).encode()
            expected = theirs(key, partitions, partitions)
            assert ours(key, partitions, [0]) == expected  # availability never moves a keyed record
            assert ours(key, partitions, partitions) == expected  # and again, the same


def test_an_unkeyed_record_goes_to_an_available_partition() -> None:
    ours = KeyPartitioner()
    chosen = Counter(ours(None, [0, 1, 2, 3], [1, 3]) for _ in range(400))
    assert set(chosen) == {1, 3}
    assert set(ours(None, [0, 1, 2], []) for _ in range(200)) == {0, 1, 2}  # none has a leader now
