"""Delivery channels and what each subscription must name (pure)."""

from __future__ import annotations

import re
from enum import StrEnum

from shared.errors import FieldProblem, RuleViolation


class Channel(StrEnum):
    WEBHOOK = "webhook"  # signed POST to the organisation's endpoint
    EMAIL = "email"  # a message in Chinese to the organisation's mailbox, over SMTP
    INBOX = "inbox"  # an item in the organisation's in-app inbox


EMAIL_PATTERN = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
"""A plain mailbox address: no display name, no comments, nothing that could inject a header."""


def check_target(channel: Channel, endpoint_url: str | None, email_address: str | None) -> None:
    """A webhook names a URL, an e-mail subscription an address, an inbox neither.

    Raises:
        RuleViolation: naming the missing or superfluous field.
    """
    wants = {Channel.WEBHOOK: "endpoint_url", Channel.EMAIL: "email_address", Channel.INBOX: None}[channel]
    given = {"endpoint_url": endpoint_url, "email_address": email_address}
    problems = []
    for field, value in given.items():
        if field == wants and not value:
            problems.append(
                FieldProblem(field, "required_for_channel", f"a {channel} subscription needs {field}")
            )
        if field != wants and value is not None:
            problems.append(
                FieldProblem(field, "not_for_channel", f"a {channel} subscription has no {field}")
            )
    if channel is Channel.EMAIL and email_address and not EMAIL_PATTERN.fullmatch(email_address):
        problems.append(
            FieldProblem("email_address", "mailbox_address", "a plain address like name@example.gov.cn")
        )
    if problems:
        raise RuleViolation(f"the {channel} subscription is incomplete or mixed", problems)
