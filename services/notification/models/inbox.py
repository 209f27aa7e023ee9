"""The in-app inbox: one item per event per organisation, read or unread."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db.types import UtcDateTime


class InboxItem(SQLModel, table=True):
    __tablename__ = "inbox_item"
    __table_args__ = (UniqueConstraint("org_code", "event_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_code: str = Field(max_length=64, index=True)
    event_id: str = Field(max_length=64)
    event_type: str = Field(max_length=200)
    title: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    read_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))


class InboxItemPublic(SQLModel):
    id: uuid.UUID
    event_id: str
    event_type: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


class InboxCount(SQLModel):
    unread: int
    total: int
