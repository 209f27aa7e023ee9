"""aiokafka clients configured the platform's way, and the topic set-up every service runs."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36


def make_producer(bootstrap_servers: str, client_id: str) -> AIOKafkaProducer:
    """An idempotent producer: acks from all in-sync replicas, ordered, no duplicates on retry."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        compression_type=None,
        request_timeout_ms=15000,
    )


def make_consumer(
    bootstrap_servers: str, group_id: str, topics: list[str], client_id: str
) -> AIOKafkaConsumer:
    """A consumer that commits offsets by hand, only after the handler's DB transaction commits."""
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )


async def ensure_topics(bootstrap_servers: str, topics: list[str], partitions: int) -> None:
    """Create the topics a service uses if they are missing; existing topics are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        response = await admin.create_topics(
            [NewTopic(name=t, num_partitions=partitions, replication_factor=1) for t in topics]
        )
        for topic_error in getattr(response, "topic_errors", []):
            name, code = topic_error[0], topic_error[1]
            if code not in (0, TOPIC_ALREADY_EXISTS):
                raise RuntimeError(f"could not create topic {name}: error code {code}")
    finally:
        await admin.close()


async def wait_for_kafka(bootstrap_servers: str, timeout_s: float) -> None:
    """Wait until the cluster answers a metadata request, so start-up order does not matter."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        if not await _accepts_connections(bootstrap_servers):
            # a plain TCP probe first: aiokafka logs every refused connection at ERROR
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"Kafka at {bootstrap_servers} not reachable")
            log.info("waiting for kafka at %s", bootstrap_servers)
            await asyncio.sleep(1.0)
            continue
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=5000)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except (KafkaError, OSError) as exc:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"Kafka at {bootstrap_servers} not reachable: {exc}") from exc
            log.info("waiting for kafka at %s: %s", bootstrap_servers, exc)
            await asyncio.sleep(1.0)
        finally:
            await admin.close()


async def _accepts_connections(bootstrap_servers: str) -> bool:
    """True when any bootstrap address accepts a TCP connection."""
    for address in bootstrap_servers.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host.strip("[]"), int(port)), 2)
        except (OSError, TimeoutError, ValueError):
            continue
        writer.close()
        await writer.wait_closed()
        return True
    return False
