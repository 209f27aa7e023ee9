"""The four services running for one test: own databases, own topic prefix, real Kafka and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from services.funding.main import create_funding_app
from services.funding.settings import FundingSettings
from services.notification.main import create_notification_app
from services.notification.settings import NotificationSettings
from services.registry.main import create_registry_app
from services.registry.settings import RegistrySettings
from services.reporting.main import create_reporting_app
from services.reporting.settings import ReportingSettings
from tests.support.db import scalar
from tests.support.kafka_io import records_so_far
from tests.support.servers import RunningServer, eventually, serve
from tests.support.tokens import DEFAULT_IDENTITY

FACTORIES: dict[str, tuple[Any, type]] = {
    "registry": (create_registry_app, RegistrySettings),
    "funding": (create_funding_app, FundingSettings),
    "reporting": (create_reporting_app, ReportingSettings),
    "notification": (create_notification_app, NotificationSettings),
}

FAST = {
    "environment": "test",
    "outbox_poll_interval_s": 0.2,
    "consumer_retry_backoff_s": 0.05,
    "delivery_poll_interval_s": 0.1,
    "delivery_backoff_s": 0.1,
}


@dataclass
class Platform:
    """Handles on running services, and what a test needs to start more of them."""

    kafka: Any
    postgres: Any
    prefix: str
    servers: dict[str, RunningServer] = field(default_factory=dict)
    clients: dict[str, list[httpx.AsyncClient]] = field(default_factory=dict)

    def database_url(self, name: str) -> str:
        """The service's own database in this namespace (created on first use)."""
        return str(self.postgres.create_database(f"{self.prefix.strip('.')}_{name}"))

    def topic(self, base_name: str) -> str:
        return f"{self.prefix}{base_name}"

    async def announced_events(self, service: str) -> list[dict[str, Any]]:
        """The CloudEvents `service` has put on its topic so far, in order per key (partition).

        Why Kafka and not the outbox: the relay deletes a row once the broker acknowledged it.
        It first waits until the service's outbox holds nothing pending, so every event
        committed before the call is read.
        """
        url = self.database_url(service)
        await eventually(
            lambda: scalar(url, "SELECT count(*) = 0 FROM outbox_message WHERE state = 'pending'")
        )
        records = await records_so_far(self.kafka.bootstrap_servers, self.topic(f"{service}.events"))
        return [json.loads(r.value) for r in sorted(records, key=lambda r: (r.partition, r.offset))]

    async def announced(self, service: str, event_type: str | None = None) -> int:
        """How many `event_type` events (None: any) `service` has put on its topic so far."""
        events = await self.announced_events(service)
        return sum(1 for e in events if event_type is None or e["type"] == event_type)

    def settings(self, name: str, **overrides: Any):  # type: ignore[no-untyped-def]
        _, settings_cls = FACTORIES[name]
        values = {
            **{k: v for k, v in FAST.items() if k in settings_cls.model_fields},
            "database_url": self.database_url(name),
            "kafka_bootstrap_servers": self.kafka.bootstrap_servers,
            "topic_prefix": self.prefix,
            **overrides,
        }
        return settings_cls(**values)

    async def start(self, name: str, **overrides: Any) -> httpx.AsyncClient:
        """Start a service; the client returned acts as that service's usual caller."""
        factory, _ = FACTORIES[name]
        server = await serve(factory(self.settings(name, **overrides)))
        self.servers[name] = server
        return self.client(name, DEFAULT_IDENTITY[name]())

    def client(self, name: str, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
        """A client of a running service with the given headers (e.g. another org's token)."""
        client = httpx.AsyncClient(base_url=self.servers[name].url, timeout=30, headers=headers)
        self.clients.setdefault(name, []).append(client)
        return client

    async def stop(self, name: str) -> None:
        for client in self.clients.pop(name, []):
            await client.aclose()
        await self.servers.pop(name).stop()

    async def stop_all(self) -> None:
        for name in list(self.servers):
            await self.stop(name)


def new_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."
