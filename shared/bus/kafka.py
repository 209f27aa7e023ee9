"""aiokafka clients configured the platform's way, and the topic set-up every service runs.

Topics are created (or, when the deployment provisions them, only verified) with the replication
factor, partitions and configs from settings (`TopicSpec`): production 3 replicas with
`min.insync.replicas=2` and no unclean leader election, so an `acks=all` write survives one lost
broker and an acked event is never lost; locally 1 / 1. Every client gets the same TLS/SASL
settings (`KafkaSecurity`). Why one module: an acked event must survive a broker's loss in every
service, so producer acks, idempotence, manual offset commits and topic safety are set here once.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError
from aiokafka.helpers import create_ssl_context

from shared.bus.handover import Handover
from shared.bus.partitioner import KeyPartitioner

if TYPE_CHECKING:
    from shared.settings import ServiceSettings

__all__ = [
    "KafkaSecurity",
    "TopicMismatchError",
    "TopicSpec",
    "ensure_topics",
    "make_admin",
    "make_consumer",
    "make_producer",
    "make_reader",
    "wait_for_kafka",
]

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36
INVALID_REPLICATION_FACTOR = 38
UNKNOWN_TOPIC_OR_PARTITION = 3


class TopicMismatchError(RuntimeError):
    """An existing topic is weaker than the spec (fewer replicas, lower min ISR, unclean election)."""


@dataclass(frozen=True)
class TopicSpec:
    """How the platform's topics are made: partitions, replicas and the configs that keep acked
    events safe. Partitions are chosen once with headroom: adding some later re-maps keys to
    partitions, which breaks per-key order for events in flight.

    Args:
        partitions: partitions per topic (at least 1).
        replication_factor: replicas per partition (at least 1).
        min_insync_replicas: replicas that must have an ``acks=all`` write (1..replication factor).
        unclean_leader_election: whether an out-of-sync replica may become leader (loses events).
        retention_ms: the topics' retention; None keeps the broker's default.
        extra_configs: further topic configs, sent as given.

    Raises:
        ValueError: a count below 1, or `min_insync_replicas` above `replication_factor` (every
            ``acks=all`` write would fail).
    """

    partitions: int
    replication_factor: int = 1
    min_insync_replicas: int = 1
    unclean_leader_election: bool = False
    retention_ms: int | None = None
    extra_configs: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.partitions < 1 or self.replication_factor < 1 or self.min_insync_replicas < 1:
            raise ValueError("partitions, replication factor and min.insync.replicas must be >= 1")
        if self.min_insync_replicas > self.replication_factor:
            raise ValueError(
                f"min.insync.replicas={self.min_insync_replicas} exceeds the replication factor "
                f"{self.replication_factor}: every acks=all write would fail"
            )

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> TopicSpec:
        """The spec a service's settings describe.

        Args:
            settings: the service's settings (``TOPIC_PARTITIONS``, ``KAFKA_REPLICATION_FACTOR``, ...).

        Returns:
            The spec; invalid combinations raise ValueError as in the constructor.
        """
        return cls(
            partitions=settings.topic_partitions,
            replication_factor=settings.kafka_replication_factor,
            min_insync_replicas=settings.kafka_min_insync_replicas,
            unclean_leader_election=settings.kafka_unclean_leader_election,
            retention_ms=settings.kafka_topic_retention_ms,
        )

    def configs(self) -> dict[str, str]:
        """Topic-level configs sent with CreateTopics (compression stays the producer's codec).

        Returns:
            Config name → value, e.g. ``{"min.insync.replicas": "2", ...}``; `extra_configs` last,
            so they override.
        """
        configs = {
            "min.insync.replicas": str(self.min_insync_replicas),
            "unclean.leader.election.enable": str(self.unclean_leader_election).lower(),
            "compression.type": "producer",
        }
        if self.retention_ms is not None:
            configs["retention.ms"] = str(self.retention_ms)
        configs.update(self.extra_configs)
        return configs


@dataclass(frozen=True)
class KafkaSecurity:
    """TLS and SASL for every client (producer, consumer, admin); PLAINTEXT when nothing is set.

    Args:
        protocol: ``PLAINTEXT``, ``SSL``, ``SASL_PLAINTEXT`` or ``SASL_SSL``.
        sasl_mechanism: e.g. ``SCRAM-SHA-512``; required with a SASL protocol, refused without.
        sasl_username: required with a SASL protocol.
        sasl_password: required with a SASL protocol; left out of ``repr``.
        ssl_cafile: the CA bundle that signs the brokers' certificates (TLS protocols only).
        ssl_certfile: the client certificate for mutual TLS (with `ssl_keyfile`).
        ssl_keyfile: the client key for mutual TLS (with `ssl_certfile`).

    Raises:
        ValueError: a combination that cannot work (SASL without credentials, a mechanism
            without SASL, a certificate without its key, TLS files without TLS), naming the
            environment variables to fix.
    """

    protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None

    def __post_init__(self) -> None:
        if self.protocol.startswith("SASL_"):
            if not (self.sasl_mechanism and self.sasl_username and self.sasl_password):
                raise ValueError(
                    f"KAFKA_SECURITY_PROTOCOL={self.protocol} needs KAFKA_SASL_MECHANISM, "
                    "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
                )
        elif self.sasl_mechanism:
            raise ValueError(f"KAFKA_SASL_MECHANISM is set but KAFKA_SECURITY_PROTOCOL={self.protocol}")
        if bool(self.ssl_certfile) != bool(self.ssl_keyfile):
            raise ValueError("KAFKA_SSL_CERTFILE and KAFKA_SSL_KEYFILE go together (mutual TLS)")
        uses_tls = self.protocol in ("SSL", "SASL_SSL")
        if not uses_tls and (self.ssl_cafile or self.ssl_certfile):
            raise ValueError(f"TLS files are set but KAFKA_SECURITY_PROTOCOL={self.protocol}")

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> KafkaSecurity:
        """The security a service's settings describe (``KAFKA_SECURITY_PROTOCOL``, ...).

        Args:
            settings: the service's settings.

        Returns:
            The security settings; invalid combinations raise ValueError as in the constructor.
        """
        password = settings.kafka_sasl_password
        return cls(
            protocol=settings.kafka_security_protocol,
            sasl_mechanism=settings.kafka_sasl_mechanism,
            sasl_username=settings.kafka_sasl_username,
            sasl_password=password.get_secret_value() if password is not None else None,
            ssl_cafile=settings.kafka_ssl_cafile,
            ssl_certfile=settings.kafka_ssl_certfile,
            ssl_keyfile=settings.kafka_ssl_keyfile,
        )

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments every aiokafka client accepts.

        Returns:
            ``security_protocol``, plus an SSL context (hostname verification on) for TLS and the
            SASL mechanism and credentials for SASL.
        """
        kwargs: dict[str, Any] = {"security_protocol": self.protocol}
        if self.protocol in ("SSL", "SASL_SSL"):
            # Hostname verification stays on: a certificate must name the broker it came from.
            kwargs["ssl_context"] = create_ssl_context(
                cafile=self.ssl_cafile, certfile=self.ssl_certfile, keyfile=self.ssl_keyfile
            )
        if self.protocol.startswith("SASL_"):
            kwargs["sasl_mechanism"] = self.sasl_mechanism
            kwargs["sasl_plain_username"] = self.sasl_username
            kwargs["sasl_plain_password"] = self.sasl_password
        return kwargs


PLAINTEXT = KafkaSecurity()
"""No TLS, no SASL: local runs and tests."""


def make_producer(
    bootstrap_servers: str,
    client_id: str,
    *,
    compression_type: str | None = "lz4",
    security: KafkaSecurity = PLAINTEXT,
) -> AIOKafkaProducer:
    """An idempotent producer: acks from all in-sync replicas, ordered, no duplicates on retry,
    batches compressed (lz4 by default: cheap on CPU, a third of the bytes for JSON), keys mapped
    to partitions as every Kafka client maps them (`KeyPartitioner`, for less CPU).

    Args:
        bootstrap_servers: comma-separated ``host:port`` addresses of the brokers.
        client_id: names the client in the brokers' logs and quotas.
        compression_type: the batch codec; None or ``"none"`` for uncompressed.
        security: TLS and SASL settings; PLAINTEXT by default.

    Returns:
        The producer, not started (``await producer.start()``).
    """
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        compression_type=None if compression_type in (None, "none") else compression_type,
        request_timeout_ms=15000,
        partitioner=KeyPartitioner(),
        **security.client_kwargs(),
    )


FETCH_MAX_WAIT_MS = 100
"""How long a broker may hold a fetch that finds no new records (aiokafka's and Kafka's default is
500 ms). A consumer has one fetch in flight per broker, and a partition whose fetched records are
still being handled is left out of it; so when the other partitions are caught up, the broker holds
that fetch for the whole wait while the busy partition's next records sit behind it. Measured: a
20,000-event run stalled ~470 ms near its end in one run of three (bench/README.md, "Session 37").
At 100 ms an idle consumer asks each broker ten times a second, which costs next to nothing."""


def make_consumer(
    bootstrap_servers: str,
    group_id: str,
    topics: list[str],
    client_id: str,
    *,
    security: KafkaSecurity = PLAINTEXT,
    handover: Handover | None = None,
) -> AIOKafkaConsumer:
    """A consumer that commits offsets by hand, only after the handler's DB transaction commits.

    It reads only committed records (``read_committed``) and, for a new group, from the earliest
    offset, so no event published before the first start is missed.

    Args:
        bootstrap_servers: comma-separated ``host:port`` addresses of the brokers.
        group_id: the consumer group.
        topics: the full topic names to subscribe to.
        client_id: names the client in the brokers' logs.
        security: TLS and SASL settings; PLAINTEXT by default.
        handover: the rebalance listener to subscribe with, which the `EventConsumer` built on
            this consumer binds itself to (`shared.bus.handover`); none: no listener.

    Returns:
        The consumer, not started.
    """
    consumer = AIOKafkaConsumer(
        *([] if handover is not None else topics),
        group_id=group_id,
        **_consumer_options(bootstrap_servers, client_id, security),
    )
    if handover is not None:
        consumer.subscribe(topics, listener=handover)
    return consumer


def make_reader(
    bootstrap_servers: str, client_id: str, *, security: KafkaSecurity = PLAINTEXT
) -> AIOKafkaConsumer:
    """A consumer in no group, for partitions assigned by hand (`assign`), with the same fetch
    settings as `make_consumer`. Why: a projection rebuild (`shared.bus.rebuild`) reads fixed
    partitions from their start to a known end, split among processes; a group would only add a
    join, a rebalance and offset commits nobody reads.

    Args:
        bootstrap_servers: comma-separated ``host:port`` addresses of the brokers.
        client_id: names the client in the brokers' logs.
        security: TLS and SASL settings; PLAINTEXT by default.

    Returns:
        The consumer, not started, subscribed to nothing.
    """
    return AIOKafkaConsumer(group_id=None, **_consumer_options(bootstrap_servers, client_id, security))


def _consumer_options(bootstrap_servers: str, client_id: str, security: KafkaSecurity) -> dict[str, Any]:
    """Every consumer's settings: manual commits, committed records only, from the earliest offset
    when there is no commit, fetches of up to 4 MiB a partition, `FETCH_MAX_WAIT_MS`."""
    return {
        "bootstrap_servers": bootstrap_servers,
        "client_id": client_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
        "max_partition_fetch_bytes": 4 * 1024 * 1024,
        "fetch_max_wait_ms": FETCH_MAX_WAIT_MS,
        **security.client_kwargs(),
    }


def make_admin(
    bootstrap_servers: str, *, security: KafkaSecurity = PLAINTEXT, **kwargs: Any
) -> AIOKafkaAdminClient:
    """An admin client with the platform's security settings.

    Args:
        bootstrap_servers: comma-separated ``host:port`` addresses of the brokers.
        security: TLS and SASL settings; PLAINTEXT by default.
        **kwargs: further ``AIOKafkaAdminClient`` options, e.g. ``request_timeout_ms``.

    Returns:
        The client, not started.
    """
    return AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **security.client_kwargs(), **kwargs)


async def ensure_topics(
    bootstrap_servers: str,
    topics: list[str],
    partitions: int | None = None,
    *,
    spec: TopicSpec | None = None,
    security: KafkaSecurity = PLAINTEXT,
    create: bool = True,
) -> None:
    """Create missing topics with `spec` (unless `create` is False: the deployment provisions
    them), then verify every topic that already existed against it.

    An existing topic with fewer replicas, a lower `min.insync.replicas` or unclean leader
    election on raises `TopicMismatchError` (the service must not start on a topic that can lose
    acked events); a different partition count is only logged, because changing it re-maps keys.
    `partitions` alone (the older call) means a local spec: one replica.

    Args:
        bootstrap_servers: comma-separated ``host:port`` addresses of the brokers.
        topics: the full topic names.
        partitions: the older way to say ``spec=TopicSpec(partitions=...)``.
        spec: how the topics are made and what an existing one must meet.
        security: TLS and SASL settings; PLAINTEXT by default.
        create: False when the deployment provisions the topics: then a missing one is an error.

    Raises:
        TypeError: neither `spec` nor `partitions` is given.
        ValueError: both are given and disagree.
        TopicMismatchError: an existing topic is weaker than `spec`, or (with `create` False)
            missing.
        RuntimeError: the cluster refused to create or describe a topic (e.g. fewer live
            brokers than the replication factor).
    """
    if spec is None:
        if partitions is None:
            raise TypeError("ensure_topics needs `spec` or `partitions`")
        spec = TopicSpec(partitions=partitions)
    elif partitions is not None and partitions != spec.partitions:
        raise ValueError("pass the partition count in `spec` only")
    admin = make_admin(bootstrap_servers, security=security)
    await admin.start()
    try:
        existing = set(topics)
        if create:
            existing = await _create_missing(admin, topics, spec)
        await _verify(admin, sorted(existing), spec, must_exist=not create)
    finally:
        await admin.close()


async def _create_missing(admin: AIOKafkaAdminClient, topics: list[str], spec: TopicSpec) -> set[str]:
    """Create the topics; returns the ones that were already there (to be verified)."""
    configs = spec.configs()
    response = await admin.create_topics(
        [
            NewTopic(
                name=t,
                num_partitions=spec.partitions,
                replication_factor=spec.replication_factor,
                topic_configs=configs,
            )
            for t in topics
        ]
    )
    existed: set[str] = set()
    for topic_error in getattr(response, "topic_errors", []):
        name, code = topic_error[0], topic_error[1]
        message = topic_error[2] if len(topic_error) > 2 else None
        if code == TOPIC_ALREADY_EXISTS:
            existed.add(name)
        elif code == INVALID_REPLICATION_FACTOR:
            raise RuntimeError(
                f"could not create topic {name} with replication factor {spec.replication_factor}: "
                f"{message or 'the cluster has fewer live brokers'} (KAFKA_REPLICATION_FACTOR)"
            )
        elif code != 0:
            raise RuntimeError(f"could not create topic {name}: error code {code} {message or ''}")
    return existed


class _NotYetKnown(Exception):
    """A broker has not caught up with a topic that was just created (by us or a replica)."""


async def _verify(
    admin: AIOKafkaAdminClient, topics: list[str], spec: TopicSpec, *, must_exist: bool
) -> None:
    """Verify, retrying for a few seconds while metadata of a new topic spreads to the brokers."""
    for attempt in range(40):
        try:
            await _verify_once(admin, topics, spec, must_exist=must_exist)
            return
        except _NotYetKnown:
            if attempt == 39:
                raise RuntimeError(f"topics {topics} stayed unknown to the brokers") from None
            await asyncio.sleep(0.25)


async def _verify_once(
    admin: AIOKafkaAdminClient, topics: list[str], spec: TopicSpec, *, must_exist: bool
) -> None:
    if not topics:
        return
    problems: list[str] = []
    described = {t["topic"]: t for t in await admin.describe_topics(topics)}
    present: list[str] = []
    for name in topics:
        topic = described.get(name)
        if topic is None or topic.get("error_code", 0) == UNKNOWN_TOPIC_OR_PARTITION:
            if must_exist:
                problems.append(f"{name}: missing (KAFKA_TOPICS_PROVISIONED is set)")
                continue
            raise _NotYetKnown(name)
        present.append(name)
        partitions = topic.get("partitions") or []
        if len(partitions) != spec.partitions:
            log.warning(
                "topic %s has %d partitions, settings say %d; left as it is (changing the count "
                "re-maps keys: plan it as a migration)",
                name,
                len(partitions),
                spec.partitions,
            )
        replicas = min((len(p.get("replicas") or []) for p in partitions), default=0)
        if replicas < spec.replication_factor:
            problems.append(f"{name}: replication factor {replicas} < {spec.replication_factor}")
    for name, configs in (await _topic_configs(admin, present)).items():
        min_isr = int(configs.get("min.insync.replicas", "1"))
        if min_isr < spec.min_insync_replicas:
            problems.append(f"{name}: min.insync.replicas {min_isr} < {spec.min_insync_replicas}")
        unclean = configs.get("unclean.leader.election.enable", "false").lower() == "true"
        if unclean and not spec.unclean_leader_election:
            problems.append(f"{name}: unclean.leader.election.enable=true")
    if problems:
        raise TopicMismatchError("topics do not match the settings: " + "; ".join(problems))


async def _topic_configs(admin: AIOKafkaAdminClient, topics: list[str]) -> dict[str, dict[str, str]]:
    """Effective configs of the topics (topic overrides, else the broker's defaults)."""
    if not topics:
        return {}
    responses = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, name) for name in topics]
    )
    result: dict[str, dict[str, str]] = {}
    for response in responses:
        for resource in response.resources:
            error_code, _message, _type, name, entries = resource[:5]
            if error_code == UNKNOWN_TOPIC_OR_PARTITION:
                raise _NotYetKnown(name)
            if error_code != 0:
                raise RuntimeError(f"could not describe topic {name}: error code {error_code}")
            result[name] = {entry[0]: entry[1] for entry in entries if entry[1] is not None}
    return result


async def wait_for_kafka(
    bootstrap_servers: str, timeout_s: float, *, security: KafkaSecurity = PLAINTEXT
) -> None:
    """Wait until the cluster answers a metadata request, so start-up order does not matter.

    Args:
        bootstrap_servers: comma-separated ``host:port`` addresses of the brokers.
        timeout_s: how long to keep trying.
        security: TLS and SASL settings; PLAINTEXT by default.

    Raises:
        TimeoutError: no broker answered within `timeout_s`.
    """
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        if not await _accepts_connections(bootstrap_servers):
            # a plain TCP probe first: aiokafka logs every refused connection at ERROR
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"Kafka at {bootstrap_servers} not reachable")
            log.info("waiting for kafka at %s", bootstrap_servers)
            await asyncio.sleep(1.0)
            continue
        admin = make_admin(bootstrap_servers, security=security, request_timeout_ms=5000)
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
