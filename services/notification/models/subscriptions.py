"""Subscriptions: an organisation's endpoint and the event types it hears."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, StringConstraints, WithJsonSchema
from sqlalchemy import JSON, Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.notification.domain.channels import Channel
from shared.contracts.catalog import EVENT_TYPES
from shared.db.types import UtcDateTime
from shared.types import BODY

# The schema names every published type (the catalogue); the check stays in the domain, so an
# unknown type is still refused with the rule `known_event_type`, and which of them a caller may
# hear depends on its kind (`shared.access.may_subscribe`), which no static schema can say.
EventType = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    WithJsonSchema({"type": "string", "enum": list(EVENT_TYPES)}),
]


FilterCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
"""A programme, district or catalogue item code in a subscription's filters."""

MAX_FILTER_CODES = 50


def _filter(what: str) -> Any:
    return Field(
        default=None,
        min_length=1,
        max_length=MAX_FILTER_CODES,
        description=f"Only events about these {what}; absent (null) means every one the organisation may "
        f"read. An event that names no {what.rstrip('s')} is not excluded by this filter.",
    )


class SubscriptionFilters(SQLModel):
    """Narrowing filters on top of the access rules (which always apply): programme, district and
    renovation item (the project's approved catalogue items)."""

    programme_codes: list[FilterCode] | None = _filter("programmes")
    district_codes: list[FilterCode] | None = _filter("districts")
    item_codes: list[FilterCode] | None = _filter("catalogue items")


class SubscriptionBase(SQLModel):
    event_types: list[str] = Field(
        min_length=1, description="Versioned event types, e.g. registry.project.accepted.v1."
    )


class SubscriptionCreate(SubscriptionFilters):
    """A new subscription. A webhook's URL is checked by the outbound guard (no internal
    addresses, no credentials, https in production); an e-mail one names a mailbox; an inbox one
    neither."""

    model_config = ConfigDict(**BODY)

    channel: Channel = Channel.WEBHOOK
    event_types: list[EventType] = Field(
        min_length=1, max_length=50, description="Versioned event types, e.g. registry.project.accepted.v1."
    )
    endpoint_url: str | None = Field(
        default=None, min_length=1, max_length=2000, description="Webhook: the receiver's http(s) URL."
    )
    email_address: str | None = Field(
        default=None, min_length=3, max_length=254, description="E-mail: the mailbox to write to."
    )


class Subscription(SubscriptionBase, table=True):
    __table_args__ = (UniqueConstraint("subscriber_code", "fingerprint", name="uq_subscription_content"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    subscriber_code: str = Field(max_length=64, index=True)
    subscriber_kind: str | None = Field(default=None, sa_column=Column(String(16)))
    subscriber_district: str | None = Field(default=None, sa_column=Column(String(64)))
    event_types: list[str] = Field(sa_column=Column(JSON, nullable=False))
    channel: str = "webhook"
    endpoint_url: str | None = None
    email_address: str | None = None
    programme_codes: list[str] | None = Field(default=None, sa_column=Column(JSON))
    district_codes: list[str] | None = Field(default=None, sa_column=Column(JSON))
    item_codes: list[str] | None = Field(default=None, sa_column=Column(JSON))
    secret: str
    previous_secret: str | None = None
    previous_secret_until: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    fingerprint: str | None = Field(default=None, sa_column=Column(String(64)))
    active: bool = True
    disabled_reason: str | None = None
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    disabled_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))


class SubscriptionPublic(SubscriptionBase):
    id: uuid.UUID
    subscriber_code: str
    subscriber_kind: str | None
    subscriber_district: str | None
    channel: str
    endpoint_url: str | None
    email_address: str | None
    programme_codes: list[str] | None
    district_codes: list[str] | None
    item_codes: list[str] | None
    active: bool
    disabled_reason: str | None
    created_at: datetime


class SubscriptionUpdate(SubscriptionFilters):
    """A change to a subscription: only the fields sent change (send null to clear a filter).
    The channel stays; a webhook's new URL is checked by the outbound guard like a new one."""

    model_config = ConfigDict(**BODY)

    event_types: list[EventType] | None = Field(
        default=None, min_length=1, max_length=50, description="The new event types."
    )
    endpoint_url: str | None = Field(
        default=None, min_length=1, max_length=2000, description="Webhook: the receiver's new URL."
    )
    email_address: str | None = Field(
        default=None, min_length=3, max_length=254, description="E-mail: the new mailbox."
    )


class SubscriptionCreated(SubscriptionPublic):
    secret: str = Field(description="Signing secret; shown only in this response.")


class SecretRotated(SQLModel):
    id: uuid.UUID
    secret: str = Field(description="The new signing secret; shown only in this response.")
    previous_secret_valid_until: datetime = Field(
        description="Until then every webhook carries signatures with both the old and the new secret."
    )
