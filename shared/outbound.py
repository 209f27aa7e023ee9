"""The platform's guard for outbound HTTP to addresses a user gave us (webhooks, callbacks).

A URL supplied by a tenant must never make the platform reach into the city's internal network
(server-side request forgery). The guard:

- parses the URL strictly: http/https only (https only when `require_https`), no credentials,
  a host is required; numeric IPv4 spellings (``2130706433``, ``0x7f000001``, ``0177.0.0.1``,
  ``127.1``) are read as the address a resolver would make of them;
- refuses names that only make sense inside a network (``localhost``, ``*.internal``, ``*.local``);
- resolves the host and refuses it when ANY address is loopback, private, link-local, multicast,
  reserved, unspecified or otherwise not globally routable, including IPv4 embedded in IPv6
  (IPv4-mapped ``::ffff:a.b.c.d``, 6to4, Teredo, NAT64);
- lets through what configuration allow-lists: an exact ``host:port`` or a CIDR;
- checks again when a connection is opened: `check_host` is what `shared.outbound_session`'s
  resolver answers the HTTP client with, so a connection only ever goes to an address that passed
  the guard at that moment (DNS rebinding between a check and the connection gains nothing).

    destination = await check_url(url, allowlist=Allowlist.parse(["127.0.0.1:8080"]))
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = [
    "Allowlist",
    "CheckedDestination",
    "OutboundRefused",
    "Resolver",
    "Target",
    "address_problem",
    "check_host",
    "check_url",
    "parse_target",
    "system_resolver",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Resolve (host, port) to IP address strings; tests pass a stub so no DNS is ever asked."""

INTERNAL_NAME_SUFFIXES = (".localhost", ".internal", ".local", ".localdomain", ".home.arpa", ".intranet")
INTERNAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
MAX_URL_LENGTH = 2000
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundRefused(Exception):
    """A destination the platform will not connect to.

    Args:
        rule: a stable code, e.g. ``private_address``, ``credentials_in_url``, ``https_required``.
        message: a short reason for a person; never contains a response from the destination.
    """

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


@dataclass(frozen=True)
class Target:
    """A parsed URL: scheme, host as written (lower-cased), port, and the IP if the host is one."""

    url: str
    scheme: str
    host: str
    port: int
    literal: IPAddress | None


@dataclass(frozen=True)
class CheckedDestination:
    """A URL whose host resolved to `address`, which passed the guard; connect only to it."""

    url: str
    host: str
    port: int
    address: str


@dataclass(frozen=True)
class Allowlist:
    """Destinations configuration allows despite the address rules (e.g. a test's loopback receiver).

    Args:
        endpoints: exact ``(host, port)`` pairs; the host as written in the URL or its address.
        networks: CIDR networks whose addresses are allowed on any port.
    """

    endpoints: frozenset[tuple[str, int]] = frozenset()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> Allowlist:
        """Read ``host:port``, ``[v6]:port`` and CIDR entries.

        Args:
            entries: the configured entries; blank ones are ignored.

        Returns:
            The allow-list.

        Raises:
            ValueError: for an entry that is neither.
        """
        endpoints: set[tuple[str, int]] = set()
        networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for raw in entries:
            entry = raw.strip()
            if not entry:
                continue
            if "/" in entry:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            host, sep, port = entry.rpartition(":")
            if not sep or not port.isdigit() or not host:
                raise ValueError(f"allow-list entry {entry!r} is neither host:port nor a CIDR")
            endpoints.add((host.strip("[]").lower(), int(port)))
        return cls(frozenset(endpoints), tuple(networks))

    def allows(self, host: str, port: int, address: IPAddress | None) -> bool:
        """True when the exact host:port or address:port is listed, or the address is in a network.

        Args:
            host: the host as written in the URL (lower-cased).
            port: the destination port.
            address: the address the host resolved to, if known yet.
        """
        if (host, port) in self.endpoints:
            return True
        if address is None:
            return False
        if (str(address), port) in self.endpoints:
            return True
        return any(address in network for network in self.networks)


def _numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address inet_aton makes of a numeric host (``2130706433``, ``0x7f.1``), else None."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_is_c_number(p) for p in parts):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _host_address(host: str) -> IPAddress | None:
    """The address a host names when it is one, in any spelling a resolver would accept."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return _numeric_ipv4(host)


def _is_c_number(part: str) -> bool:
    lowered = part.lower()
    if lowered.startswith("0x"):
        return len(lowered) > 2 and all(c in "0123456789abcdef" for c in lowered[2:])
    return part.isdigit()


def parse_target(url: str, *, require_https: bool = False) -> Target:
    """Parse and check a URL's form, without resolving it.

    Args:
        url: the destination as given.
        require_https: refuse plain http.

    Returns:
        The scheme, host, port and, for an IP host in any spelling, its address.

    Raises:
        OutboundRefused: not http(s), https required, credentials present, no host, bad port.
    """
    if len(url) > MAX_URL_LENGTH:
        raise OutboundRefused("url_too_long", f"a URL may have at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise OutboundRefused("invalid_url", "the URL cannot be parsed") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise OutboundRefused("http_or_https", "only http and https URLs are allowed")
    if require_https and scheme != "https":
        raise OutboundRefused("https_required", "only https URLs are allowed here")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise OutboundRefused("credentials_in_url", "a URL must not carry credentials")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise OutboundRefused("host_required", "the URL has no host")
    if any(c.isspace() or c in "%\\" for c in host):
        raise OutboundRefused("invalid_host", "the host contains characters a host cannot have")
    return Target(url, scheme, host, port or (443 if scheme == "https" else 80), _host_address(host))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_problem(address: IPAddress) -> str | None:
    """The rule a destination address breaks, or None when it is a public unicast address.

    Args:
        address: an IPv4 or IPv6 address; IPv4 embedded in IPv6 is judged as IPv4.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_problem(embedded)
        if address.scope_id:
            return "link_local_address"
    checks = (
        ("unspecified_address", address.is_unspecified),
        ("loopback_address", address.is_loopback),
        ("link_local_address", address.is_link_local),
        ("multicast_address", address.is_multicast),
        ("reserved_address", address.is_reserved),
        ("private_address", address.is_private),
        ("non_global_address", not address.is_global),
    )
    return next((rule for rule, broken in checks if broken), None)


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the operating system's resolver (getaddrinfo, off the event loop).

    Args:
        host: the name to resolve.
        port: the destination port.

    Returns:
        The distinct addresses, sorted.
    """
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


async def check_url(
    url: str,
    *,
    allowlist: Allowlist | None = None,
    require_https: bool = False,
    resolver: Resolver | None = None,
) -> CheckedDestination:
    """Check a URL's form, resolve its host and check every address; see the module docstring.

    Args:
        url: the destination as the tenant gave it.
        allowlist: destinations allowed despite the address rules.
        require_https: refuse plain http (production).
        resolver: how to resolve names; the operating system's by default.

    Returns:
        The destination with the one address to connect to.

    Raises:
        OutboundRefused: with the rule broken; nothing has been sent.
    """
    target = parse_target(url, require_https=require_https)
    addresses = await _checked_addresses(
        target.host, target.port, target.literal, allowlist or Allowlist(), resolver
    )
    return CheckedDestination(url, target.host, target.port, str(addresses[0]))


async def check_host(
    host: str, port: int, *, allowlist: Allowlist | None = None, resolver: Resolver | None = None
) -> list[str]:
    """The addresses a host resolves to, each passing the guard: the check made when a connection
    is opened (`shared.outbound_session`), so DNS cannot change between a check and a connection.

    Args:
        host: a name (or an IP address in any spelling) as the URL wrote it.
        port: the destination port.
        allowlist: destinations allowed despite the address rules.
        resolver: how to resolve names; the operating system's by default.

    Returns:
        The addresses to connect to, in the resolver's order.

    Raises:
        OutboundRefused: with the rule broken; nothing has been sent.
    """
    name = host.rstrip(".").lower()
    checked = await _checked_addresses(name, port, _host_address(name), allowlist or Allowlist(), resolver)
    return [str(address) for address in checked]


async def _checked_addresses(
    host: str, port: int, literal: IPAddress | None, allow: Allowlist, resolver: Resolver | None
) -> list[IPAddress]:
    """Every address of the host (`literal` when it is one), each allow-listed or public; the
    first rule broken otherwise."""
    if literal is None and allow.allows(host, port, None):
        return await _resolve(host, port, resolver)
    if literal is None and (host in INTERNAL_NAMES or host.endswith(INTERNAL_NAME_SUFFIXES)):
        raise OutboundRefused("internal_host_name", f"'{host}' names a host inside a network")
    addresses = [literal] if literal is not None else await _resolve(host, port, resolver)
    for address in addresses:
        if allow.allows(host, port, address):
            continue
        rule = address_problem(address)
        if rule is not None:
            raise OutboundRefused(rule, f"the destination resolves to a {rule.replace('_', ' ')}")
    return addresses


async def _resolve(host: str, port: int, resolver: Resolver | None) -> list[IPAddress]:
    try:
        found = await (resolver or system_resolver)(host, port)
    except (OSError, UnicodeError):
        raise OutboundRefused("unresolvable_host", f"'{host}' does not resolve") from None
    addresses: list[IPAddress] = []
    for raw in found:
        try:
            addresses.append(ipaddress.ip_address(raw.split("%", 1)[0]))
        except ValueError:
            raise OutboundRefused("unresolvable_host", f"'{host}' resolved oddly") from None
    if not addresses:
        raise OutboundRefused("unresolvable_host", f"'{host}' does not resolve")
    return addresses
