"""The webhook sender keeps connections alive across deliveries (a short answer body is read and
dropped), and a long or dripping body costs only the connection, never the attempt's status.

A keep-alive HTTP/1.1 server on 127.0.0.1 counts the connections it accepts."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from services.notification.channels import webhook
from services.notification.channels.webhook import WebhookSender
from services.notification.domain.signing import new_secret
from services.notification.handlers.deliveries import LeasedDelivery
from shared.outbound import Allowlist

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class KeepAliveServer:
    """Answers every request on a connection with `body` (sent in `chunks` pieces, `pause_s` apart)."""

    def __init__(self, body: bytes = b"", chunks: int = 1, pause_s: float = 0.0) -> None:
        self.body, self.chunks, self.pause_s = body, chunks, pause_s
        self.connections = 0
        self.requests = 0
        self._server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> KeepAliveServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.lower().split(b"\r\n")
                    if line.startswith(b"content-length:")
                )
                await reader.readexactly(length)
                self.requests += 1
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(self.body))
                size = -(-len(self.body) // self.chunks) if self.body else 0
                for start in range(0, len(self.body), max(size, 1)):
                    writer.write(self.body[start : start + size])
                    await writer.drain()
                    if self.pause_s:
                        await asyncio.sleep(self.pause_s)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def delivery(port: int) -> LeasedDelivery:
    return LeasedDelivery(
        id=uuid.uuid4(),
        subscription_id=uuid.uuid4(),
        event_id=f"evt-{uuid.uuid4().hex[:8]}",
        content=b'{"specversion":"1.0"}',
        endpoint_url=f"http://127.0.0.1:{port}/hook",
        secret=new_secret(),
        attempts=0,
    )


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False) as http:
        yield http


def sender_for(client: httpx.AsyncClient, server: KeepAliveServer) -> WebhookSender:
    allow = Allowlist.parse([f"127.0.0.1:{server.port}"])
    return WebhookSender(client, timeout_s=5, allowlist=allow, require_https=False)


@pytest.mark.parametrize("body", [b"", b'{"ok":true}'])
async def test_deliveries_to_one_endpoint_share_one_connection(
    client: httpx.AsyncClient, body: bytes
) -> None:
    async with KeepAliveServer(body) as server:
        sender = sender_for(client, server)
        results = [await sender.send(delivery(server.port), NOW) for _ in range(5)]
    assert [r.status for r in results] == [200] * 5
    assert (server.requests, server.connections) == (5, 1)


async def test_a_body_longer_than_the_limit_closes_the_connection_and_keeps_the_status(
    client: httpx.AsyncClient,
) -> None:
    async with KeepAliveServer(b"x" * (webhook.DRAIN_LIMIT_BYTES * 2), chunks=8) as server:
        sender = sender_for(client, server)
        results = [await sender.send(delivery(server.port), NOW) for _ in range(2)]
    assert [(r.status, r.sent) for r in results] == [(200, True)] * 2
    assert server.connections == 2


async def test_a_dripping_body_is_given_up_without_failing_the_attempt(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook, "DRAIN_BUDGET_S", 0.05)
    async with KeepAliveServer(b"0123456789", chunks=10, pause_s=0.2) as server:
        sender = sender_for(client, server)
        started = asyncio.get_running_loop().time()
        result = await sender.send(delivery(server.port), NOW)
        waited = asyncio.get_running_loop().time() - started
        second = await sender.send(delivery(server.port), NOW)
    assert (result.status, result.status_line) == (200, second.status_line)
    assert waited < 1.0  # the drain's budget, not the body's 2 s
    assert server.connections == 2
