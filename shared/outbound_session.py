"""An aiohttp client session whose every connection goes only to an address the guard allows.

Outbound HTTP to tenant-given URLs (webhooks) is sent with aiohttp rather than httpx: on this
platform's two-core benchmark a keep-alive POST costs about a seventh of httpx's CPU (httpcore
checks every pooled connection through anyio on each request), and a webhook worker is bound by
exactly that CPU (bench/README.md, "Webhook delivery").

The guard sits in the connector's resolver. aiohttp asks it for the addresses of a host whenever
it opens a connection (cached for `DNS_CACHE_S`); it answers with `check_host`, the same rules as
`check_url`, so a connection is opened only to an address that passed the guard at that moment,
and the Host header and TLS server name keep the URL's name. An IP literal in the URL never
reaches a resolver: `check_url` before the request is its check (a literal cannot change).

    session = guarded_session(allowlist=Allowlist.parse(["127.0.0.1:8080"]), limit=50)
    destination = await check_url(url, allowlist=...)          # refusal with a rule, before sending
    async with session.post(destination.url, data=body) as response: ...
"""

from __future__ import annotations

import ipaddress
import socket

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from shared.outbound import Allowlist, OutboundRefused, Resolver, check_host

__all__ = ["DNS_CACHE_S", "GuardRefusal", "GuardedResolver", "guarded_session"]

DNS_CACHE_S = 10
"""How long aiohttp reuses a host's checked addresses for new connections (its own default)."""


class GuardRefusal(OSError):
    """The guard refused a host at connection time; aiohttp raises it as the `os_error` of a
    `ClientConnectorDNSError`, before any connection is attempted.

    Args:
        refused: the guard's refusal, whose `rule` is kept.
    """

    def __init__(self, refused: OutboundRefused) -> None:
        super().__init__(refused.message)
        self.rule = refused.rule


class GuardedResolver(AbstractResolver):
    """Answers aiohttp's connector with the host's addresses only when every one passes the guard.

    Args:
        allowlist: destinations allowed despite the address rules.
        resolver: how to resolve names; the operating system's by default (tests pass a stub).
    """

    def __init__(self, allowlist: Allowlist, resolver: Resolver | None = None) -> None:
        self._allowlist = allowlist
        self._resolver = resolver

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The checked addresses of `host`, of `family` unless it is AF_UNSPEC.

        Args:
            host: the URL's host.
            port: the destination port.
            family: the address family the connector wants.

        Raises:
            GuardRefusal: the host or one of its addresses breaks a rule.
        """
        try:
            addresses = await check_host(host, port, allowlist=self._allowlist, resolver=self._resolver)
        except OutboundRefused as refused:
            raise GuardRefusal(refused) from None
        results: list[ResolveResult] = []
        for raw in addresses:
            found = socket.AF_INET6 if ipaddress.ip_address(raw).version == 6 else socket.AF_INET
            if family not in (socket.AF_UNSPEC, found):
                continue
            results.append(
                ResolveResult(
                    hostname=host, host=raw, port=port, family=found, proto=0, flags=socket.AI_NUMERICHOST
                )
            )
        if not results:
            raise OSError(f"'{host}' has no address of the family asked for")
        return results

    async def close(self) -> None:
        """Nothing to release: resolution is delegated."""


def guarded_session(
    *, allowlist: Allowlist, resolver: Resolver | None = None, limit: int = 100, total_timeout_s: float = 60.0
) -> aiohttp.ClientSession:
    """A session for tenant-given URLs: guarded connections, no proxies from the environment, no
    cookies kept between tenants, redirects left to each call (`allow_redirects=False`), and
    answers asked for uncompressed (`Accept-Encoding: identity`): the platform never inflates a
    stranger's body, and the start of an answer it keeps stays readable.

    Args:
        allowlist: destinations allowed despite the address rules.
        resolver: how to resolve names; the operating system's by default.
        limit: the most connections open at once, all hosts together.
        total_timeout_s: a backstop for one request; callers bound their own attempts tighter.

    Returns:
        The session; the caller closes it.
    """
    connector = aiohttp.TCPConnector(
        resolver=GuardedResolver(allowlist, resolver), limit=limit, ttl_dns_cache=DNS_CACHE_S
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=total_timeout_s),
        trust_env=False,
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        headers={"Accept-Encoding": "identity"},
    )
