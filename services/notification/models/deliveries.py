"""Deliveries: one event for one subscription, stored first and then sent by id (GOV.UK Notify
style), with every attempt logged. Only a short status line is kept, never a response body."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, ConfigDict
from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from services.notification.domain.attempts import MAX_EXCERPT_CHARS
from shared.db.types import UtcDateTime
from shared.types import BODY


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Delivery(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("subscription_id", "event_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    subscription_id: uuid.UUID = Field(foreign_key="subscription.id", index=True)
    event_id: str
    event_type: str
    content: str = Field(sa_column=Column(Text, nullable=False))
    state: DeliveryState = Field(
        sa_column=Column(
            SAEnum(
                DeliveryState,
                native_enum=False,
                create_constraint=False,
                length=16,
                values_callable=lambda kinds: [k.value for k in kinds],
            ),
            nullable=False,
        )
    )
    attempts: int = 0
    last_status: int | None = None
    last_error: str | None = None
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    next_attempt_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    last_attempt_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    seq: int | None = Field(default=None, sa_column=Column(BigInteger, index=True, unique=True))
    """The delivery's place in the log, assigned when its transaction commits and in commit order
    (`handlers/commit_order.py`); None only inside that transaction."""


class DeliveryLogHead(SQLModel, table=True):
    """One row: the last `Delivery.seq` handed out. Writers of deliveries take the next numbers by
    updating it when they commit, which also holds its row lock until their COMMIT."""

    __tablename__ = "delivery_log_head"

    id: int = Field(primary_key=True)
    last_seq: int = Field(sa_column=Column(BigInteger, nullable=False))


class DeliveryAttempt(SQLModel, table=True):
    """One attempt: when, the status, a short status line, how long it took, and a bounded excerpt
    of the receiver's answer (shown to the subscription's owner only)."""

    __tablename__ = "delivery_attempt"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: uuid.UUID = Field(foreign_key="delivery.id", index=True)
    attempted_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    status: int | None = None
    status_line: str = Field(max_length=80)
    latency_ms: int = 0
    sent: bool = True
    response_excerpt: str | None = Field(default=None, max_length=MAX_EXCERPT_CHARS)


class DeliveryPublic(SQLModel):
    id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: str
    event_type: str
    state: DeliveryState
    attempts: int
    last_status: int | None
    last_error: str | None = Field(description="A short status line, e.g. 'HTTP 500' or 'timeout'.")
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None


class DeliveryAttemptPublic(SQLModel):
    attempted_at: datetime
    status: int | None
    status_line: str
    latency_ms: int
    sent: bool
    response_excerpt: str | None = Field(
        default=None,
        description="The start of the receiver's answer body (bounded, control characters replaced); "
        "shown to the subscription's owner only, null for anyone else and when nothing was answered.",
    )


class ReplayRequest(SQLModel):
    """Send again every message of a subscription created in [since, until)."""

    model_config = ConfigDict(**BODY)

    since: AwareDatetime
    until: AwareDatetime


class ReplayResult(SQLModel):
    requeued: int
