"""wait_for_kafka: a TCP probe first (aiokafka logs every refused connection at ERROR), then a
metadata request, retried each second until the deadline. The clock is a fake (sleeping advances it
at once); the probe dials a real listening socket on 127.0.0.1, or a fake for address parsing."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError, KafkaError

from shared.bus import kafka
from shared.bus.kafka import KafkaSecurity, wait_for_kafka
from tests.unit.bus.kafka_fakes import FakeAsyncio

SASL = KafkaSecurity(
    protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_username="svc", sasl_password="pw"
)


class Admin:
    """An admin client whose start or list_topics fails with the errors given, in turn."""

    def __init__(self, kwargs: dict[str, Any], error: BaseException | None, fail_in: str) -> None:
        self.kwargs = kwargs
        self.error = error
        self.fail_in = fail_in
        self.calls: list[str] = []

    async def start(self) -> None:
        self.calls.append("start")
        if self.error is not None and self.fail_in == "start":
            raise self.error

    async def list_topics(self) -> set[str]:
        self.calls.append("list_topics")
        if self.error is not None and self.fail_in == "list_topics":
            raise self.error
        return {"registry.project"}

    async def close(self) -> None:
        self.calls.append("close")


class Admins:
    """Stands in for AIOKafkaAdminClient: each construction takes the next error (None: answers)."""

    def __init__(self, errors: list[BaseException | None], fail_in: str = "list_topics") -> None:
        self.errors = errors
        self.fail_in = fail_in
        self.made: list[Admin] = []

    def __call__(self, **kwargs: Any) -> Admin:
        error = self.errors[min(len(self.made), len(self.errors) - 1)]
        admin = Admin(kwargs, error, self.fail_in)
        self.made.append(admin)
        return admin


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeAsyncio:
    fake = FakeAsyncio(start=1000.0)
    monkeypatch.setattr(kafka, "asyncio", fake)
    return fake


@pytest.fixture
async def listening() -> AsyncIterator[str]:
    """A real TCP listener on 127.0.0.1: ``host:port`` of a broker that accepts connections."""

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"127.0.0.1:{port}"
    server.close()
    await server.wait_closed()


@pytest.fixture
def refusing() -> str:
    """``host:port`` on 127.0.0.1 where nothing listens (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"127.0.0.1:{port}"


def waiting_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "shared.bus.kafka"]


async def test_a_broker_that_answers_metadata_ends_the_wait_at_once(
    clock: FakeAsyncio, listening: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    admins = Admins([None])
    monkeypatch.setattr(kafka, "AIOKafkaAdminClient", admins)
    assert await wait_for_kafka(listening, 30.0, security=SASL) is None
    [admin] = admins.made
    assert admin.kwargs == {
        "bootstrap_servers": listening,
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "PLAIN",
        "sasl_plain_username": "svc",
        "sasl_plain_password": "pw",
        "request_timeout_ms": 5000,
    }
    assert admin.calls == ["start", "list_topics", "close"]
    assert clock.sleeps == []


async def test_nothing_listening_times_out_after_the_deadline_without_an_admin_client(
    clock: FakeAsyncio, refusing: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    admins = Admins([None])
    monkeypatch.setattr(kafka, "AIOKafkaAdminClient", admins)
    with caplog.at_level(logging.INFO, logger="shared.bus.kafka"), pytest.raises(TimeoutError) as timed_out:
        await wait_for_kafka(refusing, 3.0)
    assert str(timed_out.value) == f"Kafka at {refusing} not reachable"
    # probes at 1000, 1001, 1002 and 1003 (not yet past the 1003 deadline) wait; 1004 gives up
    assert clock.sleeps == [1.0, 1.0, 1.0, 1.0]
    assert waiting_logs(caplog) == [f"waiting for kafka at {refusing}"] * 4
    assert admins.made == []


@pytest.mark.parametrize("fail_in", ["start", "list_topics"])
async def test_metadata_errors_are_retried_each_second_until_the_broker_answers(
    clock: FakeAsyncio,
    listening: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    fail_in: str,
) -> None:
    not_ready = KafkaConnectionError("no leader yet")
    reset = ConnectionResetError("reset by peer")
    admins = Admins([not_ready, reset, None], fail_in=fail_in)
    monkeypatch.setattr(kafka, "AIOKafkaAdminClient", admins)
    with caplog.at_level(logging.INFO, logger="shared.bus.kafka"):
        await wait_for_kafka(listening, 60.0)
    assert clock.sleeps == [1.0, 1.0]
    assert [admin.calls[-1] for admin in admins.made] == ["close", "close", "close"]
    assert waiting_logs(caplog) == [
        f"waiting for kafka at {listening}: {not_ready}",
        f"waiting for kafka at {listening}: {reset}",
    ]


async def test_metadata_errors_past_the_deadline_end_in_timeout_naming_the_error(
    clock: FakeAsyncio, listening: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = KafkaError("boom")
    admins = Admins([error])
    monkeypatch.setattr(kafka, "AIOKafkaAdminClient", admins)
    with pytest.raises(TimeoutError) as timed_out:
        await wait_for_kafka(listening, 2.0)
    assert str(timed_out.value) == f"Kafka at {listening} not reachable: KafkaError: boom"
    assert timed_out.value.__cause__ is error
    # attempts at 1000, 1001 and 1002 (the deadline itself) are retried; 1003 gives up
    assert clock.sleeps == [1.0, 1.0, 1.0]
    assert len(admins.made) == 4
    assert all(admin.calls[-1] == "close" for admin in admins.made)


async def test_an_unexpected_error_is_not_retried(
    clock: FakeAsyncio, listening: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    admins = Admins([ValueError("bad config")])
    monkeypatch.setattr(kafka, "AIOKafkaAdminClient", admins)
    with pytest.raises(ValueError, match="bad config"):
        await wait_for_kafka(listening, 60.0)
    assert clock.sleeps == []
    assert admins.made[0].calls[-1] == "close"


# --- the probe's handling of the bootstrap list (dialled through a fake, no network) --------------


class Writer:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True

    async def wait_closed(self) -> None:
        assert self.closed


class Dialler(FakeAsyncio):
    """Records every address the probe dials and each dial's time limit; accepts only `up`."""

    def __init__(self, up: set[tuple[str, int]]) -> None:
        super().__init__()
        self.up = up
        self.dialled: list[tuple[Any, Any]] = []
        self.limits: list[Any] = []
        self.writers: list[Writer] = []

    async def open_connection(self, host: Any, port: Any) -> tuple[None, Writer]:
        self.dialled.append((host, port))
        if (host, port) not in self.up:
            raise ConnectionRefusedError(111, "Connection refused")
        self.writers.append(Writer())
        return None, self.writers[-1]

    async def wait_for(self, awaitable: Any, limit: Any) -> Any:
        self.limits.append(limit)
        return await awaitable


@pytest.fixture
def admin_answers(monkeypatch: pytest.MonkeyPatch) -> Admins:
    admins = Admins([None])
    monkeypatch.setattr(kafka, "AIOKafkaAdminClient", admins)
    return admins


async def test_a_broker_that_comes_up_later_ends_the_wait(
    monkeypatch: pytest.MonkeyPatch, admin_answers: Admins
) -> None:
    dialler = Dialler(up=set())
    monkeypatch.setattr(kafka, "asyncio", dialler)

    async def comes_up(seconds: float) -> None:
        await FakeAsyncio.sleep(dialler, seconds)
        if len(dialler.sleeps) == 2:
            dialler.up.add(("kafka-0", 9092))

    monkeypatch.setattr(dialler, "sleep", comes_up)
    await wait_for_kafka("kafka-0:9092", 60.0)
    assert dialler.sleeps == [1.0, 1.0]
    assert dialler.dialled == [("kafka-0", 9092)] * 3
    assert len(admin_answers.made) == 1


async def test_each_bootstrap_address_is_probed_in_turn_for_two_seconds_each(
    monkeypatch: pytest.MonkeyPatch, admin_answers: Admins
) -> None:
    dialler = Dialler(up={("::1", 9093)})
    monkeypatch.setattr(kafka, "asyncio", dialler)
    servers = "kafka-X:9092, [::1]:9093,kafka-2:9094"
    await wait_for_kafka(servers, 30.0)
    assert dialler.dialled == [("kafka-X", 9092), ("::1", 9093)]
    assert dialler.limits == [2, 2]
    assert dialler.writers[0].closed
    assert dialler.sleeps == []
    assert admin_answers.made[0].kwargs["bootstrap_servers"] == servers


async def test_an_address_without_a_port_is_skipped(
    monkeypatch: pytest.MonkeyPatch, admin_answers: Admins
) -> None:
    dialler = Dialler(up={("kafka-1", 9092)})
    monkeypatch.setattr(kafka, "asyncio", dialler)
    await wait_for_kafka("kafka-0,kafka-1:9092", 30.0)
    assert dialler.dialled == [("kafka-1", 9092)]
    assert dialler.sleeps == []


async def test_no_address_accepting_means_waiting(
    monkeypatch: pytest.MonkeyPatch, admin_answers: Admins
) -> None:
    dialler = Dialler(up=set())
    monkeypatch.setattr(kafka, "asyncio", dialler)
    with pytest.raises(TimeoutError):
        await wait_for_kafka("kafka-0:9092,kafka-1:9092", 0.5)
    assert dialler.dialled == [("kafka-0", 9092), ("kafka-1", 9092)] * 2
    assert dialler.sleeps == [1.0]
    assert admin_answers.made == []
