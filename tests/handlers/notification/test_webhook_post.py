"""The webhook poster over aiohttp against real HTTP/1.1 servers on 127.0.0.1: connections are kept
alive across deliveries (a short answer body is read and dropped), a long or dripping body costs
only the connection, faults become short status lines, redirects are not followed, and the guard
runs again when a connection is opened, so a name that now resolves elsewhere gets no connection."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from services.notification.channels import webhook_post
from services.notification.channels.webhook import WebhookSender
from services.notification.channels.webhook_post import AiohttpPoster
from services.notification.domain.attempts import AttemptResult
from services.notification.domain.signing import new_secret
from services.notification.handlers.deliveries import LeasedDelivery
from shared.outbound import Allowlist, CheckedDestination, OutboundRefused, Resolver

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class KeepAliveServer:
    """Answers every request on a connection with `status` and `body` (sent in `chunks` pieces,
    `pause_s` apart); `mode` "close" drops the connection after the request, "hang" never answers."""

    def __init__(
        self,
        body: bytes = b"",
        chunks: int = 1,
        pause_s: float = 0.0,
        status: str = "200 OK",
        headers: bytes = b"",
        mode: str = "answer",
    ) -> None:
        self.body, self.chunks, self.pause_s = body, chunks, pause_s
        self.status, self.headers, self.mode = status, headers, mode
        self.connections = 0
        self.requests = 0
        self.hosts: list[str] = []
        self.encodings: list[str] = []
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
                lines = head.lower().split(b"\r\n")
                length = next(
                    int(line.split(b":", 1)[1]) for line in lines if line.startswith(b"content-length:")
                )
                self.hosts += [
                    line.split(b":", 1)[1].strip().decode() for line in lines if line.startswith(b"host:")
                ]
                self.encodings += [
                    line.split(b":", 1)[1].strip().decode()
                    for line in lines
                    if line.startswith(b"accept-encoding:")
                ]
                await reader.readexactly(length)
                self.requests += 1
                if self.mode == "close":
                    return
                if self.mode == "hang":
                    await asyncio.sleep(30)
                writer.write(
                    b"HTTP/1.1 %s\r\ncontent-length: %d\r\n%s\r\n"
                    % (self.status.encode(), len(self.body), self.headers)
                )
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


def delivery(url: str) -> LeasedDelivery:
    return LeasedDelivery(
        id=uuid.uuid4(),
        subscription_id=uuid.uuid4(),
        event_id=f"evt-{uuid.uuid4().hex[:8]}",
        content=b'{"specversion":"1.0"}',
        endpoint_url=url,
        secret=new_secret(),
        attempts=0,
    )


def at(server: KeepAliveServer) -> LeasedDelivery:
    return delivery(f"http://127.0.0.1:{server.port}/hook")


@pytest.fixture
async def poster() -> AsyncIterator[AiohttpPoster]:
    poster = AiohttpPoster(allowlist=Allowlist.parse(["127.0.0.0/8"]), limit=10, timeout_s=5)
    yield poster
    await poster.aclose()


def sender_for(poster: AiohttpPoster, server: KeepAliveServer, timeout_s: float = 5) -> WebhookSender:
    allow = Allowlist.parse([f"127.0.0.1:{server.port}"])
    return WebhookSender(poster, timeout_s=timeout_s, allowlist=allow, require_https=False)


@pytest.mark.parametrize("body", [b"", b'{"ok":true}'])
async def test_deliveries_to_one_endpoint_share_one_connection(poster: AiohttpPoster, body: bytes) -> None:
    async with KeepAliveServer(body) as server:
        sender = sender_for(poster, server)
        results = [await sender.send(at(server), NOW) for _ in range(5)]
    assert [r.status for r in results] == [200] * 5
    assert (server.requests, server.connections) == (5, 1)


async def test_a_body_longer_than_the_limit_closes_the_connection_and_keeps_the_status(
    poster: AiohttpPoster,
) -> None:
    async with KeepAliveServer(b"x" * (webhook_post.DRAIN_LIMIT_BYTES * 2), chunks=8) as server:
        sender = sender_for(poster, server)
        results = [await sender.send(at(server), NOW) for _ in range(2)]
    assert [(r.status, r.sent) for r in results] == [(200, True)] * 2
    assert server.connections == 2


async def test_a_dripping_body_is_given_up_without_failing_the_attempt(
    poster: AiohttpPoster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook_post, "DRAIN_BUDGET_S", 0.05)
    async with KeepAliveServer(b"0123456789", chunks=10, pause_s=0.2) as server:
        sender = sender_for(poster, server)
        started = asyncio.get_running_loop().time()
        result = await sender.send(at(server), NOW)
        waited = asyncio.get_running_loop().time() - started
        second = await sender.send(at(server), NOW)
    assert (result.status, result.status_line) == (200, second.status_line)
    assert waited < 1.0  # the drain's budget, not the body's 2 s
    assert server.connections == 2


async def test_retry_after_is_read_from_a_429(poster: AiohttpPoster) -> None:
    async with KeepAliveServer(status="429 Too Many Requests", headers=b"retry-after: 120\r\n") as server:
        result = await sender_for(poster, server).send(at(server), NOW)
    assert (result.status, result.retry_after_s, result.sent) == (429, 120, True)


async def test_a_redirect_is_answered_as_it_is_and_never_followed(poster: AiohttpPoster) -> None:
    async with KeepAliveServer() as target:
        location = b"location: http://127.0.0.1:%d/elsewhere\r\n" % target.port
        async with KeepAliveServer(status="302 Found", headers=location) as server:
            result = await sender_for(poster, server).send(at(server), NOW)
    assert (result.status, result.status_line) == (302, "HTTP 302 (redirect not followed)")
    assert (server.requests, target.connections) == (1, 0)


async def test_a_closed_port_is_connection_refused(poster: AiohttpPoster) -> None:
    async with KeepAliveServer() as server:
        sender = sender_for(poster, server)
    result = await sender.send(at(server), NOW)  # the server is gone: nothing listens there now
    assert (result.status, result.status_line, result.sent) == (None, "connection refused", True)


async def test_a_connection_dropped_before_the_answer_is_connection_reset(poster: AiohttpPoster) -> None:
    async with KeepAliveServer(mode="close") as server:
        result = await sender_for(poster, server).send(at(server), NOW)
    assert (result.status, result.status_line) == (None, "connection reset")
    assert server.requests == 1


async def test_an_answer_that_never_comes_is_cut_at_the_deadline(poster: AiohttpPoster) -> None:
    async with KeepAliveServer(mode="hang") as server:
        started = asyncio.get_running_loop().time()
        result = await sender_for(poster, server, timeout_s=0.3).send(at(server), NOW)
        waited = asyncio.get_running_loop().time() - started
    assert (result.status, result.status_line) == (None, "timeout")
    assert waited < 2


async def send_by_name(server: KeepAliveServer, resolver: Resolver) -> AttemptResult:
    """One delivery to `hooks.example.org` on the server's port, names resolved by `resolver`,
    only 127.0.0.1 on that port allowed; through a poster of its own."""
    allow = Allowlist.parse([f"127.0.0.1:{server.port}"])
    poster = AiohttpPoster(allowlist=allow, resolver=resolver, timeout_s=5)
    sender = WebhookSender(poster, timeout_s=5, allowlist=allow, require_https=False, resolver=resolver)
    try:
        return await sender.send(delivery(f"http://hooks.example.org:{server.port}/hook"), NOW)
    finally:
        await poster.aclose()


async def test_the_host_header_keeps_the_name_the_connection_goes_to_the_checked_address() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"] if host == "hooks.example.org" else []

    async with KeepAliveServer() as server:
        result = await send_by_name(server, resolver)
    assert result.status == 200
    assert server.hosts == [f"hooks.example.org:{server.port}"]
    assert server.encodings == ["identity"]  # a stranger's body is never inflated


async def test_a_name_that_resolves_inside_when_the_connection_opens_gets_no_connection() -> None:
    """DNS rebinding: the check before sending sees an allowed address, the connection's lookup
    an internal one; the guard in the connector refuses it and nothing is connected to."""
    answers = iter([["127.0.0.1"], ["127.0.0.2"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    async with KeepAliveServer() as server:
        result = await send_by_name(server, rebinding)  # 127.0.0.2 is not allowed
    assert (result.status, result.status_line, result.sent) == (None, "refused: loopback_address", False)
    assert server.connections == 0


async def test_the_poster_alone_refuses_an_internal_address_without_connecting() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    async with KeepAliveServer() as server:
        poster = AiohttpPoster(allowlist=Allowlist(), resolver=resolver, timeout_s=5)
        url = f"http://hooks.example.org:{server.port}/hook"
        try:
            with pytest.raises(OutboundRefused) as refused:
                await poster.post(
                    CheckedDestination(url, "hooks.example.org", server.port, "127.0.0.1"), b"{}", {}
                )
        finally:
            await poster.aclose()
    assert refused.value.rule == "loopback_address"
    assert server.connections == 0


async def test_the_start_of_an_answer_is_kept_bounded_and_the_connection_still_reused(
    poster: AiohttpPoster,
) -> None:
    async with KeepAliveServer(b'{"reason":"signature\\nmismatch","docs":"https://example.org/x"}') as server:
        allow = Allowlist.parse([f"127.0.0.1:{server.port}"])
        sender = WebhookSender(poster, timeout_s=5, allowlist=allow, require_https=False, excerpt_chars=30)
        results = [await sender.send(at(server), NOW) for _ in range(2)]
    assert [r.excerpt for r in results] == ['{"reason":"signature\\nmismatch'] * 2
    assert server.connections == 1


async def test_a_long_answer_keeps_only_its_start_and_an_empty_one_none(poster: AiohttpPoster) -> None:
    async with KeepAliveServer(b"A" * (webhook_post.DRAIN_LIMIT_BYTES * 2), chunks=8) as server:
        allow = Allowlist.parse([f"127.0.0.1:{server.port}"])
        long = await WebhookSender(
            poster, timeout_s=5, allowlist=allow, require_https=False, excerpt_chars=512
        ).send(at(server), NOW)
    async with KeepAliveServer(b"") as server:
        empty = await sender_for(poster, server).send(at(server), NOW)
    assert long.excerpt == "A" * 512 and empty.excerpt is None
