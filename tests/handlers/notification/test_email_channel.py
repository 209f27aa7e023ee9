"""The e-mail channel against a real SMTP server (aiosmtpd) on loopback: a message in Chinese per
entitled event, retried while the relay is down."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from services.notification.channels.email import EmailSender
from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.deliveries import RetryPolicy, lease_due, record_attempt
from services.notification.models import Delivery, DeliveryState
from tests.handlers.notification.helpers import (
    ACCEPTED,
    APPROVED,
    ERQI,
    JINSHUI,
    accepted,
    approved,
    subscribe,
)


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


async def send_due(harness, sender: EmailSender) -> list[DeliveryState]:  # type: ignore[no-untyped-def]
    now = harness.clock.now()
    leased = await harness.run(lambda s: lease_due(s, now=now, lease_s=30, limit=10))
    states = []
    for delivery in leased:
        result = await sender.send(delivery, now)
        states.append(
            await harness.run(
                lambda s, d=delivery, r=result: record_attempt(
                    s, d, r, now=now, policy=RetryPolicy((5.0,), 0.0)
                )
            )
        )
    return states


async def test_a_district_gets_an_email_in_chinese_for_its_own_events_only(harness_for, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, port = smtp
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(
        harness, "jinshui", [ACCEPTED, APPROVED], channel="email", email="Renovation@JinShui.gov.cn"
    )
    await harness.deliver(accepted(JINSHUI), event_id="e1")
    await harness.deliver(accepted(ERQI), event_id="e2")
    award = approved(JINSHUI)
    await harness.deliver(award, event_id="e3")
    sender = EmailSender(hostname="127.0.0.1", port=port, sender="noreply@renovation.local", timeout_s=5)
    assert await send_due(harness, sender) == [DeliveryState.DELIVERED, DeliveryState.DELIVERED]
    assert mailbox.recipients == [["renovation@jinshui.gov.cn"]] * 2
    by_event = {m["X-Renovation-Event-Id"]: m for m in mailbox.messages}
    assert set(by_event) == {"e1", "e3"}
    assert by_event["e1"]["Subject"] == "【老旧小区改造】项目已通过竣工验收"
    body = by_event["e3"].get_content()
    assert "奖补资金已批准" in body and "金额：200000.00 元" in body and "区县：zz-jinshui" in body
    assert "北京时间" in body and str(award.project_id) in body


async def test_an_unreachable_relay_is_retried_with_a_short_status_line(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED], channel="email", email="ops@finance.gov.cn")
    await harness.deliver(accepted(), event_id="e1")
    closed = free_port()  # nothing listens there
    sender = EmailSender(hostname="127.0.0.1", port=closed, sender="noreply@renovation.local", timeout_s=2)
    assert await send_due(harness, sender) == [DeliveryState.PENDING]
    (delivery,) = await harness.all(Delivery)
    assert delivery.last_error == "SMTP relay unreachable" and delivery.attempts == 1
