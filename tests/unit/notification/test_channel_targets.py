"""What each channel's subscription must name: a webhook its URL, an e-mail subscription a plain
mailbox address (nothing that could inject a header), an inbox neither."""

from __future__ import annotations

import pytest

from services.notification.domain.channels import EMAIL_PATTERN, Channel, check_target
from shared.errors import FieldProblem, RuleViolation

URL = "https://finance.example.gov.cn/hook"
MAILBOX = "ops@finance.zhengzhou.gov.cn"


def problems(channel: Channel, url: str | None, email: str | None) -> list[FieldProblem]:
    with pytest.raises(RuleViolation) as refused:
        check_target(channel, url, email)
    assert refused.value.detail == f"the {channel.value} subscription is incomplete or mixed"
    return refused.value.errors


def test_the_channels_are_webhook_email_and_inbox() -> None:
    assert [c.value for c in Channel] == ["webhook", "email", "inbox"]


def test_each_channel_with_exactly_its_target_passes() -> None:
    check_target(Channel.WEBHOOK, URL, None)
    check_target(Channel.EMAIL, None, MAILBOX)
    check_target(Channel.INBOX, None, None)


@pytest.mark.parametrize("url", [None, ""])
def test_a_webhook_needs_its_url(url: str | None) -> None:
    assert problems(Channel.WEBHOOK, url, None) == [
        FieldProblem("endpoint_url", "required_for_channel", "a webhook subscription needs endpoint_url")
    ]


def test_a_webhook_has_no_mailbox() -> None:
    assert problems(Channel.WEBHOOK, URL, MAILBOX) == [
        FieldProblem("email_address", "not_for_channel", "a webhook subscription has no email_address")
    ]


def test_an_email_subscription_needs_its_address_and_no_url() -> None:
    assert problems(Channel.EMAIL, URL, None) == [
        FieldProblem("endpoint_url", "not_for_channel", "a email subscription has no endpoint_url"),
        FieldProblem("email_address", "required_for_channel", "a email subscription needs email_address"),
    ]


def test_even_an_empty_superfluous_field_is_refused() -> None:
    assert [p.rule for p in problems(Channel.INBOX, "", "")] == ["not_for_channel", "not_for_channel"]
    assert [p.field for p in problems(Channel.INBOX, "", None)] == ["endpoint_url"]


def test_an_inbox_names_neither() -> None:
    assert problems(Channel.INBOX, URL, MAILBOX) == [
        FieldProblem("endpoint_url", "not_for_channel", "a inbox subscription has no endpoint_url"),
        FieldProblem("email_address", "not_for_channel", "a inbox subscription has no email_address"),
    ]


@pytest.mark.parametrize(
    "address",
    [
        "a@b.cn",
        "first.last+tag@mail.zz.gov.cn",
        "o'brien!#$%&*/=?^_`{|}~-@x-1.example.com",
        "x" * 64 + "@example.com",
        "ops@" + "a" * 63 + ".cn",
        "ops@a1.b2",
    ],
)
def test_plain_mailbox_addresses_are_taken(address: str) -> None:
    check_target(Channel.EMAIL, None, address)


@pytest.mark.parametrize(
    "address",
    [
        "x" * 65 + "@example.com",
        "ops@" + "a" * 64 + ".cn",  # a DNS label is at most 63 characters (RFC 1035 2.3.4)
        "张三 <ops@example.com>",
        "ops@example.com\nBcc: all@example.com",
        "ops@example.com (comment)",
        "ops@localhost",
        "@example.com",
        "ops@-example.com",
        "ops@example-.com",
        "ops@example.-cn",
        "ops@exa_mple.com",
        "ops@@example.com",
        "ops@example.com.",
        "ops example@example.com",
    ],
)
def test_anything_but_a_plain_address_is_refused(address: str) -> None:
    assert problems(Channel.EMAIL, None, address) == [
        FieldProblem("email_address", "mailbox_address", "a plain address like name@example.gov.cn")
    ]


def test_the_pattern_matches_whole_addresses_only() -> None:
    assert EMAIL_PATTERN.fullmatch("a@b.cn")
    assert not EMAIL_PATTERN.search("x\na@b.cn")
    assert not EMAIL_PATTERN.search("a@b.cn\nx")
