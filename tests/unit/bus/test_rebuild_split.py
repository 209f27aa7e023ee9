"""`shared.bus.rebuild.split`: the partitions shared among worker processes by record counts."""

from __future__ import annotations

from aiokafka import TopicPartition

from shared.bus.rebuild import split


def _tp(n: int) -> TopicPartition:
    return TopicPartition("registry.events", n)


def test_shares_are_about_equal_and_hold_every_partition_once() -> None:
    spans = {_tp(0): 900, _tp(1): 500, _tp(2): 400, _tp(3): 100, TopicPartition("funding.events", 0): 50}
    shares = split(spans, 2)
    assert len(shares) == 2
    assert sorted(tp for share in shares for tp in share) == sorted(spans)
    assert {tp: end for share in shares for tp, end in share.items()} == spans
    assert sorted(sum(share.values()) for share in shares) == [950, 1000]


def test_no_more_shares_than_partitions_and_none_empty() -> None:
    assert split({_tp(0): 10}, 4) == [{_tp(0): 10}]
    assert split({}, 3) == []
    assert [len(s) for s in split({_tp(n): 1 for n in range(3)}, 3)] == [1, 1, 1]
