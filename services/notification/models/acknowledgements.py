"""Action items: an event that asks a department to act, its acknowledgement and the action taken."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlalchemy import Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db.types import UtcDateTime
from shared.types import BODY, Note


class ActionState(StrEnum):
    OPEN = "open"  # asked, not yet acknowledged
    ACKNOWLEDGED = "acknowledged"  # receipt acknowledged, action not yet recorded
    DONE = "done"  # the action taken is recorded


class ActionItem(SQLModel, table=True):
    """One department asked to act by one event (unique per organisation, event and request)."""

    __tablename__ = "action_item"
    __table_args__ = (UniqueConstraint("org_code", "event_id", "request_code", name="uq_action_item"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_code: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    programme_code: str = Field(sa_column=Column(String(64), nullable=False))
    request_code: str = Field(sa_column=Column(String(64), nullable=False))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    event_id: str = Field(sa_column=Column(String(64), nullable=False))
    event_type: str = Field(sa_column=Column(String(200), nullable=False))
    project_id: str | None = Field(default=None, sa_column=Column(String(64), index=True))
    match_key: str | None = Field(default=None, sa_column=Column(String(64), index=True))
    district_code: str | None = Field(default=None, sa_column=Column(String(64)))
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    acknowledge_by: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False, index=True))
    acknowledged_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    acknowledged_by: str | None = Field(default=None, sa_column=Column(String(200)))
    action_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    action_by: str | None = Field(default=None, sa_column=Column(String(200)))
    action_note: str | None = Field(default=None, sa_column=Column(Text))
    action_event_id: str | None = Field(default=None, sa_column=Column(String(64)))
    escalated_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))

    @property
    def state(self) -> ActionState:
        if self.action_at is not None:
            return ActionState.DONE
        return ActionState.ACKNOWLEDGED if self.acknowledged_at is not None else ActionState.OPEN


class ActionItemPublic(SQLModel):
    id: uuid.UUID
    org_code: str
    programme_code: str
    request_code: str = Field(description="The profile's action request, e.g. fire-inspection.")
    title: str
    event_id: str
    event_type: str
    project_id: str | None
    district_code: str | None
    state: ActionState
    created_at: datetime
    acknowledge_by: datetime = Field(description="Acknowledge receipt before this, or the office is told.")
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    action_at: datetime | None
    action_by: str | None
    action_note: str | None
    escalated_at: datetime | None


class ActionTaken(SQLModel):
    """What the department did (e.g. 已现场检查消防通道，提出整改意见两条)."""

    model_config = ConfigDict(**BODY)

    note: Note


class AcknowledgementTimes(SQLModel):
    """How fast one organisation acknowledges what it is asked to act on."""

    org_code: str
    items: int = Field(description="Action items asked of it in the period.")
    acknowledged: int
    median_s: float | None = Field(description="Median seconds from the ask to the acknowledgement.")
    p90_s: float | None = Field(description="90th percentile (nearest rank) of the same, in seconds.")
    late: int = Field(description="Acknowledged after the due time.")
    overdue: int = Field(description="Not acknowledged and past the due time now.")
