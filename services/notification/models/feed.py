"""The feed: every event the service has seen, in the order it was stored, for pull readers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Integer, String, Text
from sqlmodel import Field, SQLModel

from shared.db.types import UtcDateTime


class FeedEntry(SQLModel, table=True):
    __tablename__ = "feed_entry"

    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    )
    event_id: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    event_type: str = Field(sa_column=Column(String(200), nullable=False, index=True))
    district_code: str | None = Field(default=None, sa_column=Column(String(64)))
    content: str = Field(sa_column=Column(Text, nullable=False))
    stored_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    assigned_utilities: list[str] | None = Field(default=None, sa_column=Column(JSON))


class FeedPage(SQLModel):
    """Events the caller may read, oldest first; pass `next_cursor` as `after` for the next page."""

    items: list[dict[str, Any]]
    next_cursor: str = Field(description="Opaque; the position after the last event examined.")
