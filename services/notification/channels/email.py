"""The e-mail channel: one message in Chinese per delivery, sent over SMTP with aiosmtplib.

The platform's own SMTP relay is configured by the operator (it is not a tenant-supplied
destination, so the outbound guard does not apply); the recipient is the subscription's mailbox.
Only a short status line is kept, as for webhooks.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiosmtplib

from services.notification.domain.attempts import AttemptResult
from services.notification.domain.messages import render
from services.notification.domain.retry import Outcome
from services.notification.handlers.deliveries import LeasedDelivery


class EmailSender:
    """Sends deliveries as e-mail through one SMTP relay.

    Args:
        hostname, port: the relay.
        sender: the From address.
        timeout_s: the total deadline of one attempt.
        start_tls: upgrade with STARTTLS (production); None lets the server decide.
        username, password: relay credentials, when it needs them.
    """

    def __init__(
        self,
        *,
        hostname: str,
        port: int,
        sender: str,
        timeout_s: float,
        start_tls: bool | None = None,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self._hostname = hostname
        self._port = port
        self._sender = sender
        self._timeout_s = timeout_s
        self._start_tls = start_tls
        self._username = username
        self._password = password

    def message(self, delivery: LeasedDelivery, now: datetime) -> EmailMessage:
        """The message for a delivery: subject and body in Chinese, the event id as a header."""
        envelope = json.loads(delivery.content)
        happened = datetime.fromisoformat(envelope["time"]) if envelope.get("time") else now
        rendered = render(envelope.get("type", delivery.event_type), envelope.get("data") or {}, happened)
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = delivery.email_address or ""
        message["Subject"] = rendered.subject
        message["Date"] = format_datetime(now)
        message["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2] or None)
        message["X-Renovation-Event-Id"] = delivery.event_id
        message.set_content(rendered.body, charset="utf-8")
        return message

    async def send(self, delivery: LeasedDelivery, now: datetime) -> AttemptResult:
        """One attempt; never raises for the relay's faults."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(self._timeout_s):
                result = await self._attempt(delivery, now)
        except TimeoutError:
            result = AttemptResult(None, "timeout", outcome=Outcome.RETRY)
        latency = int((time.monotonic() - started) * 1000)
        return AttemptResult(None, result.status_line, None, result.sent, latency, result.outcome)

    async def _attempt(self, delivery: LeasedDelivery, now: datetime) -> AttemptResult:
        try:
            await aiosmtplib.send(
                self.message(delivery, now),
                hostname=self._hostname,
                port=self._port,
                timeout=self._timeout_s,
                start_tls=self._start_tls,
                username=self._username,
                password=self._password,
            )
        except aiosmtplib.SMTPRecipientsRefused:
            return AttemptResult(None, "SMTP recipient refused", outcome=Outcome.FAILED)
        except aiosmtplib.SMTPResponseException as refused:
            permanent = 500 <= refused.code < 600
            return AttemptResult(
                None, f"SMTP {refused.code}", outcome=Outcome.FAILED if permanent else Outcome.RETRY
            )
        except aiosmtplib.SMTPTimeoutError:
            return AttemptResult(None, "timeout", outcome=Outcome.RETRY)
        except (aiosmtplib.SMTPException, OSError):
            return AttemptResult(None, "SMTP relay unreachable", outcome=Outcome.RETRY)
        return AttemptResult(None, "SMTP accepted", outcome=Outcome.DELIVERED)
