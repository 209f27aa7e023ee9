"""Topics are created with the settings' replication, partitions and configs, and existing topics
that could lose acked events stop a service from starting (issue 12, item 1)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest

from deploy.kafka.launcher import KafkaCluster, KafkaEndpoint
from shared.bus.kafka import (
    TopicMismatchError,
    TopicSpec,
    _NotYetKnown,
    _topic_configs,
    ensure_topics,
    make_admin,
    make_consumer,
    make_producer,
)


def _topic(label: str) -> str:
    return f"topics-{label}-{uuid.uuid4().hex[:8]}"


async def _describe(bootstrap: str, topic: str) -> tuple[int, dict[str, str]]:
    admin = make_admin(bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
        configs = (await _topic_configs(admin, [topic]))[topic]
    finally:
        await admin.close()
    return len(described["partitions"]), configs


async def test_topics_are_created_with_the_spec_partitions_and_configs(kafka: KafkaEndpoint) -> None:
    topic = _topic("created")
    spec = TopicSpec(partitions=4, retention_ms=3_600_000)
    await ensure_topics(kafka.bootstrap_servers, [topic], spec=spec)
    partitions, configs = await _describe(kafka.bootstrap_servers, topic)
    assert partitions == 4
    assert configs["min.insync.replicas"] == "1"
    assert configs["unclean.leader.election.enable"] == "false"
    assert configs["retention.ms"] == "3600000"
    # A second start finds them and verifies them without complaint.
    await ensure_topics(kafka.bootstrap_servers, [topic], spec=spec)


async def test_an_existing_topic_with_unclean_election_stops_start_up(kafka: KafkaEndpoint) -> None:
    topic = _topic("unclean")
    await ensure_topics(kafka.bootstrap_servers, [topic], spec=TopicSpec(1, unclean_leader_election=True))
    with pytest.raises(TopicMismatchError, match=r"unclean\.leader\.election\.enable=true"):
        await ensure_topics(kafka.bootstrap_servers, [topic], spec=TopicSpec(1))


async def test_a_partition_count_that_differs_is_kept_and_only_logged(
    kafka: KafkaEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    topic = _topic("partitions")
    await ensure_topics(kafka.bootstrap_servers, [topic], spec=TopicSpec(2))
    await ensure_topics(kafka.bootstrap_servers, [topic], spec=TopicSpec(6))
    assert (await _describe(kafka.bootstrap_servers, topic))[0] == 2
    assert "re-maps keys" in caplog.text


async def test_more_replicas_than_brokers_is_refused_with_the_setting_named(kafka: KafkaEndpoint) -> None:
    with pytest.raises(RuntimeError, match="KAFKA_REPLICATION_FACTOR"):
        await ensure_topics(
            kafka.bootstrap_servers,
            [_topic("rf")],
            spec=TopicSpec(1, replication_factor=3, min_insync_replicas=2),
        )


async def test_provisioned_topics_are_verified_not_created(kafka: KafkaEndpoint) -> None:
    present, missing = _topic("present"), _topic("missing")
    await ensure_topics(kafka.bootstrap_servers, [present], spec=TopicSpec(1))
    await ensure_topics(kafka.bootstrap_servers, [present], spec=TopicSpec(1), create=False)
    with pytest.raises(TopicMismatchError, match=f"{missing}: missing"):
        await ensure_topics(kafka.bootstrap_servers, [present, missing], spec=TopicSpec(1), create=False)


async def test_the_producer_compresses_and_the_consumer_reads_it_back(kafka: KafkaEndpoint) -> None:
    topic = _topic("lz4")
    await ensure_topics(kafka.bootstrap_servers, [topic], spec=TopicSpec(1))
    producer = make_producer(kafka.bootstrap_servers, "compression-test")
    assert producer._compression_type == "lz4"
    await producer.start()
    try:
        for i in range(20):
            await producer.send(topic, b'{"event": %d, "padding": "%s"}' % (i, b"x" * 200), key=b"k")
        await producer.flush()
    finally:
        await producer.stop()
    consumer = make_consumer(kafka.bootstrap_servers, f"g-{uuid.uuid4().hex[:6]}", [topic], "c")
    await consumer.start()
    try:
        got: list[bytes] = []
        for _ in range(40):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                got.extend(r.value for r in records)
            if len(got) >= 20:
                break
    finally:
        await consumer.stop()
    assert [int(v.split(b",")[0].split(b":")[1]) for v in got] == list(range(20))


async def test_on_three_brokers_topics_get_three_replicas_and_two_in_sync(
    kafka_cluster: KafkaCluster,
) -> None:
    spec = TopicSpec(3, replication_factor=3, min_insync_replicas=2)
    topic, weak = _topic("rf3"), _topic("weak")
    await ensure_topics(kafka_cluster.bootstrap_servers, [topic], spec=spec)
    # Verifying it again waits until every broker knows the new topic, then passes.
    await ensure_topics(kafka_cluster.bootstrap_servers, [topic], spec=spec)
    admin = make_admin(kafka_cluster.bootstrap_servers)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
        for _ in range(40):  # another broker may learn of the new topic a moment later
            with contextlib.suppress(_NotYetKnown):
                configs = (await _topic_configs(admin, [topic]))[topic]
                break
            await asyncio.sleep(0.25)
    finally:
        await admin.close()
    assert all(len(p["replicas"]) == 3 for p in described["partitions"])
    assert configs["min.insync.replicas"] == "2"
    # A topic made elsewhere with one in-sync replica would ack writes a lost broker could take.
    await ensure_topics(
        kafka_cluster.bootstrap_servers,
        [weak],
        spec=TopicSpec(3, replication_factor=3, min_insync_replicas=1),
    )
    with pytest.raises(TopicMismatchError, match="min.insync.replicas 1 < 2"):
        await ensure_topics(kafka_cluster.bootstrap_servers, [weak], spec=spec)
