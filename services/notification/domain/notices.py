"""Notices from the platform itself (not domain events): an overdue acknowledgement escalated to
the office, an endpoint disabled told to its owner (pure).

A notice is carried as a CloudEvents envelope of a `notification.*` type, so webhook receivers
verify and deduplicate it like any event, and e-mail renders its Chinese title and body. It is
addressed to one organisation and never fanned out, so it is not in the event catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shared.contracts.envelope import CloudEvent

SOURCE = "urn:renovation:notification"
ACKNOWLEDGEMENT_OVERDUE = "notification.acknowledgement.overdue.v1"
ENDPOINT_DISABLED = "notification.endpoint.disabled.v1"
NOTICE_TYPES = frozenset({ACKNOWLEDGEMENT_OVERDUE, ENDPOINT_DISABLED})


def is_notice(event_type: str) -> bool:
    """Is this a platform notice (its data carries its own title and body)?"""
    return event_type in NOTICE_TYPES


def notice(
    event_type: str,
    *,
    notice_id: str,
    title: str,
    body: str,
    now: datetime,
    subject: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> CloudEvent:
    """The envelope of one notice; `notice_id` is stable, so a second attempt is the same message."""
    return CloudEvent(
        specversion="1.0",
        id=notice_id[:64],
        source=SOURCE,
        type=event_type,
        subject=subject,
        time=now,
        data={"title_zh": title, "body_zh": body, **(details or {})},
    )


def endpoint_disabled(subscription_id: str, target: str, reason_zh: str, *, now: datetime) -> CloudEvent:
    """Tell an owner its endpoint was disabled, why, and how to recover."""
    return notice(
        ENDPOINT_DISABLED,
        notice_id=f"disabled:{subscription_id}",
        title="Webhook 端点已停用",
        body=(
            f"您的订阅 {subscription_id}（{target}）{reason_zh}，系统已停用该端点。\n"
            "请修复接收端后重新订阅，并通过重放（replay）补发期间的消息。"
        ),
        now=now,
        subject=f"subscriptions/{subscription_id}",
        details={"subscription_id": subscription_id, "endpoint": target},
    )
