"""The outbound guard's answers in detail: the rule AND the sentence a subscriber reads (it is the
`endpoint_url` field problem's message), the allow-list's syntax, and the request it pins.

Written against the survivors of `scripts/mutation.py access` (tests/MUTATION.md); nothing here
touches the network: names resolve through stubs, and the one real lookup is of a numeric address.
"""

from __future__ import annotations

import ipaddress

import pytest

from shared.outbound import (
    MAX_URL_LENGTH,
    Allowlist,
    CheckedDestination,
    OutboundRefused,
    address_problem,
    check_url,
    parse_target,
    system_resolver,
)

PUBLIC = "93.184.216.34"


def stub(table: dict[str, list[str]], asked: list[tuple[str, int]] | None = None):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        if asked is not None:
            asked.append((host, port))
        if host not in table:
            raise OSError("NXDOMAIN")
        return table[host]

    return resolve


async def refusal(url: str, **kwargs: object) -> OutboundRefused:
    with pytest.raises(OutboundRefused) as caught:
        await check_url(url, resolver=kwargs.pop("resolver", stub({})), **kwargs)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(
    ("url", "kwargs", "rule", "message"),
    [
        (
            "http://a.example/" + "x" * MAX_URL_LENGTH,
            {},
            "url_too_long",
            f"a URL may have at most {MAX_URL_LENGTH} characters",
        ),
        ("http://a.example:99999/", {}, "invalid_url", "the URL cannot be parsed"),
        ("ftp://a.example/", {}, "http_or_https", "only http and https URLs are allowed"),
        ("http://a.example/", {"require_https": True}, "https_required", "only https URLs are allowed here"),
        ("http://user@a.example/", {}, "credentials_in_url", "a URL must not carry credentials"),
        ("http://:secret@a.example/", {}, "credentials_in_url", "a URL must not carry credentials"),
        ("http:///path", {}, "host_required", "the URL has no host"),
        ("http://a%2e.example/", {}, "invalid_host", "the host contains characters a host cannot have"),
        (
            "http://hooks.internal/",
            {},
            "internal_host_name",
            "'hooks.internal' names a host inside a network",
        ),
        ("http://gone.example/", {}, "unresolvable_host", "'gone.example' does not resolve"),
        (
            "http://empty.example/",
            {"resolver": stub({"empty.example": []})},
            "unresolvable_host",
            "'empty.example' does not resolve",
        ),
        (
            "http://odd.example/",
            {"resolver": stub({"odd.example": ["not-an-address"]})},
            "unresolvable_host",
            "'odd.example' resolved oddly",
        ),
        ("http://127.0.0.1/", {}, "loopback_address", "the destination resolves to a loopback address"),
    ],
)
async def test_a_refusal_names_its_rule_and_says_why_in_a_sentence(
    url: str, kwargs: dict[str, object], rule: str, message: str
) -> None:
    refused = await refusal(url, **kwargs)
    assert (refused.rule, refused.message) == (rule, message)
    assert str(refused) == message


async def test_a_url_of_exactly_the_maximum_length_is_accepted() -> None:
    url = "http://a.example/"
    url += "x" * (MAX_URL_LENGTH - len(url))
    checked = await check_url(url, resolver=stub({"a.example": [PUBLIC]}))
    assert checked.address == PUBLIC


def test_a_parsed_target_keeps_the_url_scheme_and_the_default_port_of_its_scheme() -> None:
    http = parse_target("HTTP://Hooks.Example.ORG./in")
    assert (http.url, http.scheme, http.host, http.port) == (
        "HTTP://Hooks.Example.ORG./in",
        "http",
        "hooks.example.org",
        80,
    )
    assert parse_target("https://hooks.example.org/").port == 443
    assert parse_target("http://.hooks.example.org/").host == ".hooks.example.org"


def test_five_numeric_parts_are_no_address() -> None:
    assert parse_target("http://1.2.3.4.5/").literal is None
    assert parse_target("http://0x/").literal is None
    assert parse_target("http://0xg.1/").literal is None


class TestAllowlistSyntax:
    def test_blank_entries_between_others_are_skipped(self) -> None:
        allow = Allowlist.parse(["", "10.0.0.0/8", " ", "hooks.example:8080", "", "[::1]:9000"])
        assert allow.endpoints == frozenset({("hooks.example", 8080), ("::1", 9000)})
        assert allow.networks == (ipaddress.ip_network("10.0.0.0/8"),)

    def test_a_cidr_with_host_bits_set_is_its_network(self) -> None:
        assert Allowlist.parse(["10.1.2.3/8"]).networks == (ipaddress.ip_network("10.0.0.0/8"),)

    def test_an_entry_is_split_at_its_last_colon_and_the_host_lower_cased(self) -> None:
        assert Allowlist.parse(["[FD00::1]:8443"]).endpoints == frozenset({("fd00::1", 8443)})

    @pytest.mark.parametrize("entry", ["hooks.example", ":8080", "hooks.example:", "hooks.example:http"])
    def test_an_entry_without_both_host_and_numeric_port_is_refused_by_name(self, entry: str) -> None:
        with pytest.raises(ValueError, match="neither host:port nor a CIDR") as caught:
            Allowlist.parse([entry])
        assert repr(entry) in str(caught.value)

    def test_an_address_and_port_entry_allows_a_host_resolving_to_it(self) -> None:
        allow = Allowlist.parse(["10.0.0.7:8080"])
        assert allow.allows("intake.example", 8080, ipaddress.ip_address("10.0.0.7"))
        assert not allow.allows("intake.example", 8081, ipaddress.ip_address("10.0.0.7"))


async def test_an_allow_listed_numeric_spelling_is_matched_as_written() -> None:
    allow = Allowlist.parse(["2130706433:8080"])
    checked = await check_url("http://2130706433:8080/", allowlist=allow, resolver=stub({}))
    assert checked.address == "127.0.0.1"


async def test_one_allowed_address_does_not_excuse_another_internal_one() -> None:
    allow = Allowlist.parse(["10.0.0.0/24"])
    resolve = stub({"mixed.example": ["10.0.0.5", "192.168.1.1"]})
    refused = await refusal("http://mixed.example/", allowlist=allow, resolver=resolve)
    assert refused.rule == "private_address"


async def test_an_allow_listed_name_is_returned_with_its_host_and_port() -> None:
    allow = Allowlist.parse(["intake.city.internal:8443"])
    checked = await check_url(
        "https://intake.city.internal:8443/in",
        allowlist=allow,
        resolver=stub({"intake.city.internal": ["10.9.8.7"]}),
    )
    assert checked == CheckedDestination(
        "https://intake.city.internal:8443/in", "intake.city.internal", 8443, "10.9.8.7"
    )


async def test_the_resolver_is_asked_for_the_host_and_the_port() -> None:
    asked: list[tuple[str, int]] = []
    await check_url("https://hooks.example:8443/", resolver=stub({"hooks.example": [PUBLIC]}, asked))
    assert asked == [("hooks.example", 8443)]


async def test_a_zone_suffix_on_a_resolved_address_is_dropped_before_judging_it() -> None:
    refused = await refusal("http://zoned.example/", resolver=stub({"zoned.example": ["fe80::1%eth0"]}))
    assert refused.rule == "link_local_address"


def test_a_scoped_ipv6_address_is_link_local_even_when_otherwise_global() -> None:
    assert address_problem(ipaddress.IPv6Address("2606:4700::1111%eth0")) == "link_local_address"


def test_a_teredo_address_is_judged_by_the_client_address_it_carries() -> None:
    # server 65.54.227.120, client 127.0.0.1 (stored inverted: ~0x7f000001 = 0x80fffffe)
    teredo = ipaddress.IPv6Address("2001:0:4136:e378:8000:63bf:80ff:fffe")
    assert teredo.teredo == (ipaddress.IPv4Address("65.54.227.120"), ipaddress.IPv4Address("127.0.0.1"))
    assert address_problem(teredo) == "loopback_address"


async def test_the_system_resolver_answers_a_numeric_host_without_asking_dns() -> None:
    assert await system_resolver("127.0.0.1", 8080) == ["127.0.0.1"]


def test_an_allow_list_host_keeps_its_letters_while_losing_its_brackets() -> None:
    assert Allowlist.parse(["XRAY.example:80"]).endpoints == frozenset({("xray.example", 80)})


def test_hex_parts_of_a_dotted_host_are_read_as_numbers() -> None:
    assert str(parse_target("http://0x1.0x2.0x3.0x4/").literal) == "1.2.3.4"


async def test_a_zone_suffix_is_dropped_so_a_global_address_is_judged_as_itself() -> None:
    checked = await check_url(
        "http://zoned.example/", resolver=stub({"zoned.example": ["2606:4700::1111%eth0"]})
    )
    assert checked.address == "2606:4700::1111"
