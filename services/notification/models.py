"""Subscriptions and deliveries. A delivery is stored first, then sent by id (GOV.UK Notify style)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import AnyHttpUrl
from sqlalchemy import JSON, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db.types import UtcDateTime


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class SubscriptionBase(SQLModel):
    event_types: list[str] = Field(
        min_length=1, description="Versioned event types, e.g. registry.project.accepted.v1."
    )


class SubscriptionCreate(SubscriptionBase):
    endpoint_url: AnyHttpUrl


class Subscription(SubscriptionBase, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    subscriber_code: str = Field(max_length=64, index=True)
    event_types: list[str] = Field(sa_column=Column(JSON, nullable=False))
    channel: str = "webhook"
    endpoint_url: str
    secret: str
    active: bool = True
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class SubscriptionPublic(SubscriptionBase):
    id: uuid.UUID
    subscriber_code: str
    channel: str
    endpoint_url: str
    active: bool
    created_at: datetime


class SubscriptionCreated(SubscriptionPublic):
    secret: str = Field(description="Signing secret; shown only in this response.")


class Delivery(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("subscription_id", "event_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    subscription_id: uuid.UUID = Field(foreign_key="subscription.id", index=True)
    event_id: str
    event_type: str
    content: str = Field(sa_column=Column(Text, nullable=False))
    state: DeliveryState = Field(sa_column=Column(String(16), nullable=False))
    attempts: int = 0
    last_status: int | None = None
    last_error: str | None = None
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    next_attempt_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))


class DeliveryPublic(SQLModel):
    id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: str
    event_type: str
    state: DeliveryState
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
