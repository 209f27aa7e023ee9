"""Fakes of the aiokafka surface shared/bus/kafka.py uses: an admin client over an in-memory
cluster, constructors that record their arguments, and a clock for the retry loops.

Only the methods the module calls are here. The fake cluster answers the way a broker does:
CreateTopics gives a per-topic error code (36: already exists, 38: too few brokers), Metadata
gives each topic's partitions and replicas (or error 3 while a new topic is not yet known) and
DescribeConfigs gives the effective configs of TOPIC resources.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from aiokafka.admin.config_resource import ConfigResourceType

ALREADY_EXISTS = 36
INVALID_REPLICATION_FACTOR = 38
UNKNOWN_TOPIC = 3


@dataclass
class FakeTopic:
    """A topic as the fake cluster holds it.

    Args:
        replicas: the replica count of each partition (one entry a partition).
        configs: the effective topic configs; a value of None is a config the broker reports
            without a value.
        unknown_for: how many more Metadata requests answer "unknown topic" (metadata spreading).
        configs_unknown_for: the same for DescribeConfigs.
        configs_error: a DescribeConfigs error code other than "unknown topic".
        with_error_code: whether the Metadata entry carries ``error_code`` 0 explicitly.
    """

    replicas: list[int]
    configs: dict[str, str | None] = field(default_factory=dict)
    unknown_for: int = 0
    configs_unknown_for: int = 0
    configs_error: int = 0
    with_error_code: bool = True


class FakeCluster:
    """The brokers' view of topics, shared by every admin client made in a test."""

    def __init__(self, topics: dict[str, FakeTopic] | None = None, *, live_brokers: int = 3) -> None:
        self.topics: dict[str, FakeTopic] = dict(topics or {})
        self.live_brokers = live_brokers
        self.create_errors: dict[str, tuple[Any, ...]] = {}
        """Topic name → the exact CreateTopics error tuple to answer for it."""
        self.create_response: Any = None
        """When set, create_topics answers this object instead of one with ``topic_errors``."""
        self.created: list[Any] = []
        self.described: list[list[str]] = []
        self.config_requests: list[list[tuple[Any, str]]] = []
        self.admins: list[FakeAdmin] = []

    def admin_factory(self, **kwargs: Any) -> FakeAdmin:
        admin = FakeAdmin(self, kwargs)
        self.admins.append(admin)
        return admin


class FakeAdmin:
    """AIOKafkaAdminClient's start/close/create_topics/describe_topics/describe_configs."""

    def __init__(self, cluster: FakeCluster, kwargs: dict[str, Any]) -> None:
        self.cluster = cluster
        self.kwargs = kwargs
        self.started = False
        self.closed = False

    async def start(self) -> None:
        self.started = True

    async def close(self) -> None:
        self.closed = True

    async def create_topics(self, new_topics: list[Any]) -> Any:
        self.cluster.created.extend(new_topics)
        if self.cluster.create_response is not None:
            return self.cluster.create_response
        errors: list[tuple[Any, ...]] = []
        for new in new_topics:
            if new.name in self.cluster.create_errors:
                errors.append(self.cluster.create_errors[new.name])
            elif new.name in self.cluster.topics:
                errors.append((new.name, ALREADY_EXISTS, f"Topic '{new.name}' already exists."))
            elif new.replication_factor > self.cluster.live_brokers:
                errors.append((new.name, INVALID_REPLICATION_FACTOR, None))
            else:
                self.cluster.topics[new.name] = FakeTopic(
                    replicas=[new.replication_factor] * new.num_partitions, configs=dict(new.topic_configs)
                )
                errors.append((new.name, 0, None))
        return SimpleNamespace(topic_errors=errors)

    async def describe_topics(self, topics: list[str]) -> list[dict[str, Any]]:
        self.cluster.described.append(list(topics))
        answer: list[dict[str, Any]] = []
        for name in topics:
            topic = self.cluster.topics.get(name)
            if topic is None:
                continue  # a topic the broker has never heard of is left out
            if topic.unknown_for:
                topic.unknown_for -= 1
                answer.append({"topic": name, "error_code": UNKNOWN_TOPIC, "partitions": []})
                continue
            entry: dict[str, Any] = {
                "topic": name,
                "partitions": [
                    {"partition": i, "replicas": list(range(n)) if n else None}
                    for i, n in enumerate(topic.replicas)
                ],
            }
            if topic.with_error_code:
                entry["error_code"] = 0
            answer.append(entry)
        return answer

    async def describe_configs(self, resources: list[Any]) -> list[Any]:
        self.cluster.config_requests.append([(r.resource_type, r.name) for r in resources])
        rows: list[tuple[Any, ...]] = []
        for resource in resources:
            topic = self.cluster.topics.get(resource.name)
            if resource.resource_type != ConfigResourceType.TOPIC or topic is None:
                rows.append((UNKNOWN_TOPIC, "unknown", 2, resource.name, []))
            elif topic.configs_unknown_for:
                topic.configs_unknown_for -= 1
                rows.append((UNKNOWN_TOPIC, "unknown", 2, resource.name, []))
            elif topic.configs_error:
                rows.append((topic.configs_error, "denied", 2, resource.name, []))
            else:
                # (name, value, read_only, is_default, is_sensitive), as DescribeConfigs v0 gives them
                entries = [(key, value, False, False, value is None) for key, value in topic.configs.items()]
                rows.append((0, None, 2, resource.name, entries))
        return [SimpleNamespace(resources=rows)]


class Recorder:
    """Stands in for an aiokafka client class: records the arguments of each construction."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> SimpleNamespace:
        self.calls.append((args, kwargs))
        return SimpleNamespace(args=args, kwargs=kwargs)


class FakeAsyncio:
    """The module's view of asyncio with a manual clock: sleeping advances the clock at once.

    Everything else (wait_for, open_connection, ...) is the real asyncio.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def get_running_loop(self) -> FakeAsyncio:
        return self

    def time(self) -> float:
        return self.now
