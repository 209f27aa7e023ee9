"""The outbound guard: internal destinations are refused before any connection, in every spelling.

Nothing here touches the network: names are resolved by stub resolvers.
"""

from __future__ import annotations

import pytest

from shared.outbound import (
    Allowlist,
    OutboundRefused,
    address_problem,
    check_host,
    check_url,
    parse_target,
)

PUBLIC = "93.184.216.34"


def resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        if host not in table:
            raise OSError("NXDOMAIN")
        return table[host]

    resolve.asked = asked  # type: ignore[attr-defined]
    return resolve


async def refused(url: str, **kwargs: object) -> str:
    with pytest.raises(OutboundRefused) as caught:
        await check_url(url, resolver=kwargs.pop("resolver", resolver({})), **kwargs)  # type: ignore[arg-type]
    return caught.value.rule


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link_local_address"),
        ("http://10.1.2.3/hook", "private_address"),
        ("http://192.168.0.10/hook", "private_address"),
        ("http://172.16.5.5/hook", "private_address"),
        ("http://[fd00::1]/hook", "private_address"),
        ("http://[fe80::1]/hook", "link_local_address"),
        ("http://0.0.0.0/hook", "unspecified_address"),
        ("http://[::]/hook", "unspecified_address"),
        ("http://127.0.0.1:22/", "loopback_address"),
        ("http://[::1]/hook", "loopback_address"),
        ("http://2130706433/", "loopback_address"),
        ("http://0x7f000001/", "loopback_address"),
        ("http://0177.0.0.1/", "loopback_address"),
        ("http://127.1/", "loopback_address"),
        ("http://0x7f.0.0.1/", "loopback_address"),
        ("http://[::ffff:127.0.0.1]/", "loopback_address"),
        ("http://[::ffff:169.254.169.254]/", "link_local_address"),
        ("http://[::ffff:a9fe:a9fe]/", "link_local_address"),
        ("http://[64:ff9b::a9fe:a9fe]/", "link_local_address"),
        ("http://[2002:7f00:1::]/", "loopback_address"),
        ("http://224.0.0.1/", "multicast_address"),
        ("http://[ff02::1]/", "multicast_address"),
        ("http://240.0.0.1/", "reserved_address"),
        ("http://100.64.0.1/", "non_global_address"),
        ("http://localhost:8080/hook", "internal_host_name"),
        ("http://metadata.google.internal/computeMetadata/v1/", "internal_host_name"),
        ("http://printer.local/", "internal_host_name"),
    ],
)
async def test_internal_destinations_are_refused_without_asking_dns(url: str, rule: str) -> None:
    stub = resolver({})
    assert await refused(url, resolver=stub) == rule
    assert stub.asked == []  # literal addresses and internal names are refused before any lookup


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://user:pw@example.org/hook", "credentials_in_url"),
        ("http://user@example.org/hook", "credentials_in_url"),
        ("ftp://example.org/hook", "http_or_https"),
        ("file:///etc/passwd", "http_or_https"),
        ("gopher://example.org/", "http_or_https"),
        ("http:///hook", "host_required"),
        ("http://example.org:99999/", "invalid_url"),
        ("not a url", "http_or_https"),
    ],
)
async def test_malformed_or_credentialed_urls_are_refused(url: str, rule: str) -> None:
    assert await refused(url) == rule


async def test_production_requires_https() -> None:
    assert await refused("http://example.org/hook", require_https=True) == "https_required"
    stub = resolver({"example.org": [PUBLIC]})
    checked = await check_url("https://example.org/hook", require_https=True, resolver=stub)
    assert checked.address == PUBLIC and checked.port == 443


async def test_a_name_resolving_to_an_internal_address_is_refused() -> None:
    stub = resolver({"metadata.attacker.example": ["169.254.169.254"]})
    assert await refused("http://metadata.attacker.example/", resolver=stub) == "link_local_address"


async def test_a_name_with_any_internal_address_among_public_ones_is_refused() -> None:
    stub = resolver({"mixed.example": [PUBLIC, "10.0.0.7"]})
    assert await refused("https://mixed.example/hook", resolver=stub) == "private_address"


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    assert await refused("https://nowhere.example/hook", resolver=resolver({})) == "unresolvable_host"


async def test_a_public_destination_passes_with_the_address_it_resolved_to() -> None:
    stub = resolver({"hooks.example.org": [PUBLIC]})
    checked = await check_url("https://hooks.example.org:8443/in?x=1", resolver=stub)
    assert (checked.host, checked.port, checked.address) == ("hooks.example.org", 8443, PUBLIC)


async def test_dns_rebinding_is_caught_at_each_check() -> None:
    answers = iter([[PUBLIC], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    assert (await check_url("https://rebind.example/", resolver=rebinding)).address == PUBLIC
    assert await refused("https://rebind.example/", resolver=rebinding) == "loopback_address"


class TestAllowlist:
    async def test_an_exact_host_and_port_is_allowed_and_no_other_port(self) -> None:
        allow = Allowlist.parse(["127.0.0.1:8123"])
        checked = await check_url("http://127.0.0.1:8123/hook", allowlist=allow, resolver=resolver({}))
        assert checked.address == "127.0.0.1"
        assert await refused("http://127.0.0.1:22/", allowlist=allow) == "loopback_address"

    async def test_a_cidr_allows_its_addresses_on_any_port(self) -> None:
        allow = Allowlist.parse(["10.20.0.0/16"])
        assert (await check_url("http://10.20.3.4:9000/", allowlist=allow)).address == "10.20.3.4"
        assert await refused("http://10.21.0.1/", allowlist=allow) == "private_address"

    async def test_an_allow_listed_internal_name_is_resolved_and_allowed(self) -> None:
        allow = Allowlist.parse(["intake.city.internal:443"])
        stub = resolver({"intake.city.internal": ["10.9.8.7"]})
        checked = await check_url("https://intake.city.internal/hook", allowlist=allow, resolver=stub)
        assert checked.address == "10.9.8.7"

    def test_an_entry_that_is_neither_host_port_nor_cidr_is_refused(self) -> None:
        with pytest.raises(ValueError):
            Allowlist.parse(["127.0.0.1"])

    def test_blank_entries_are_ignored(self) -> None:
        assert Allowlist.parse(["", "  "]) == Allowlist()


@pytest.mark.parametrize("address", [PUBLIC, "2606:4700::1111", "::ffff:93.184.216.34"])
def test_public_unicast_addresses_have_no_problem(address: str) -> None:
    import ipaddress

    assert address_problem(ipaddress.ip_address(address)) is None


def test_numeric_hosts_are_read_as_the_address_a_resolver_would_make() -> None:
    assert str(parse_target("http://2130706433/").literal) == "127.0.0.1"
    assert str(parse_target("http://0x7f000001/").literal) == "127.0.0.1"
    assert parse_target("http://1e3.example/").literal is None


async def test_the_connection_time_check_applies_the_same_rules_to_a_host() -> None:
    stub = resolver(
        {"hooks.example.org": [PUBLIC], "rebind.example": ["10.1.2.3"], "ex.example.box": ["10.9.9.9"]}
    )
    assert await check_host("hooks.example.org", 443, resolver=stub) == [PUBLIC]
    assert await check_host("HOOKS.example.org.", 443, resolver=stub) == [PUBLIC]
    for host, rule in (
        ("rebind.example", "private_address"),
        ("2130706433", "loopback_address"),
        ("metadata.internal", "internal_host_name"),
        ("::1", "loopback_address"),
        ("EX.EXAMPLE.BOX.", "private_address"),
    ):
        with pytest.raises(OutboundRefused) as refused:
            await check_host(host, 80, resolver=stub)
        assert refused.value.rule == rule, host
    allowed = Allowlist.parse(["10.1.2.3:8080"])
    assert await check_host("rebind.example", 8080, allowlist=allowed, resolver=stub) == ["10.1.2.3"]


async def test_the_connectors_resolver_answers_only_checked_addresses_of_the_family_asked() -> None:
    import socket

    from shared.outbound_session import GuardedResolver, GuardRefusal

    stub = resolver({"dual.example.org": [PUBLIC, "2606:4700::1111"], "inside.example.org": ["192.168.1.9"]})
    guarded = GuardedResolver(Allowlist(), stub)
    both = await guarded.resolve("dual.example.org", 443, socket.AF_UNSPEC)
    assert [(r["host"], r["family"], r["hostname"]) for r in both] == [
        (PUBLIC, socket.AF_INET, "dual.example.org"),
        ("2606:4700::1111", socket.AF_INET6, "dual.example.org"),
    ]
    assert [r["host"] for r in await guarded.resolve("dual.example.org", 443, socket.AF_INET6)] == [
        "2606:4700::1111"
    ]
    with pytest.raises(GuardRefusal) as refused:
        await guarded.resolve("inside.example.org", 443, socket.AF_UNSPEC)
    assert refused.value.rule == "private_address" and isinstance(refused.value, OSError)


async def test_an_allow_listed_name_is_resolved_for_its_own_port() -> None:
    asked: list[tuple[str, int]] = []

    async def recording(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return ["10.0.0.7"]

    allowed = Allowlist.parse(["hooks.internal:8443"])
    assert await check_host("hooks.internal", 8443, allowlist=allowed, resolver=recording) == ["10.0.0.7"]
    checked = await check_url("https://hooks.internal:8443/in", allowlist=allowed, resolver=recording)
    assert checked.address == "10.0.0.7"
    assert asked == [("hooks.internal", 8443)] * 2
