"""A renovation project, and its timeline: one append-only row per step taken."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import JSON, BigInteger, Column, String
from sqlmodel import Field, SQLModel

from shared.db.types import UtcDateTime
from shared.types import BODY, Fen, Name, ProcessDate

MAX_GROUP = 50
"""The most further communities one project's contiguous group may list."""


class ProjectBase(SQLModel):
    name: Name
    investment_fen: Fen = Field(
        sa_column=Column(BigInteger, nullable=False),
        description="Planned renovation investment in fen (分), stated when the project is opened.",
    )


class ProjectCreate(ProjectBase):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    community_id: uuid.UUID = Field(description="The community renovated (the group's first, for a group).")
    grouped_community_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_GROUP,
        description="Further communities renovated with `community_id` as one contiguous group (集中连片, "
        "Kaifeng 二(三)): each eligible, in the same district and programme, listed once.",
    )
    registered_on: ProcessDate | None = Field(
        default=None,
        description="The business date the project entered the ledger (台账); default today in "
        "Asia/Shanghai. Not in the future, not before the programme's year.",
    )


class Project(ProjectBase, table=True):
    """The project's current state; what happened, step by step, is in `ProjectStep`."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    community_id: uuid.UUID = Field(foreign_key="community.id", index=True)
    district_code: str = Field(max_length=64, index=True)
    street_office: str | None = Field(default=None, max_length=200)
    programme_code: str = Field(max_length=64, index=True)
    step: str = Field(sa_column=Column(String(32), nullable=False, index=True))
    status: str = Field(sa_column=Column(String(32), nullable=False))
    last_step_on: date | None = None
    registered_on: date | None = Field(default=None, index=True)
    households_consulted: int | None = None
    households_in_favour: int | None = None
    publicity_from: date | None = None
    publicity_to: date | None = None
    grouped_community_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    plan_version: int = 0
    plan_items: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    approved_investment_fen: int | None = Field(default=None, sa_column=Column(BigInteger))
    accepted_on: date | None = None
    accepted_investment_fen: int | None = Field(default=None, sa_column=Column(BigInteger))
    audited_on: date | None = None
    audited_investment_fen: int | None = Field(default=None, sa_column=Column(BigInteger))
    closed_on: date | None = None
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class ProjectPublic(SQLModel):
    id: uuid.UUID
    name: str
    investment_fen: int
    community_id: uuid.UUID
    grouped_community_ids: list[uuid.UUID] = Field(
        default_factory=list,
        description="The group's further communities (集中连片); empty for one community.",
    )
    district_code: str
    street_office: str | None
    programme_code: str
    step: str = Field(description="The programme step the project is in (from its profile).")
    status: str = Field(description="The last thing that happened to it within that step.")
    allowed_actions: list[str] = Field(description="What may be done next (the endpoint names).")
    registered_on: date | None = Field(
        default=None, description="The business date it entered the ledger (Asia/Shanghai)."
    )
    last_step_on: date | None
    plan_version: int
    approved_investment_fen: int | None
    accepted_on: date | None
    accepted_investment_fen: int | None
    audited_on: date | None
    audited_investment_fen: int | None
    closed_on: date | None
    created_at: datetime
    updated_at: datetime


class ProjectCommunity(SQLModel, table=True):
    """A further community of a project's contiguous group (集中连片), so a community's history
    finds the group projects it is part of."""

    __tablename__ = "project_community"

    project_id: uuid.UUID = Field(foreign_key="project.id", primary_key=True)
    community_id: uuid.UUID = Field(foreign_key="community.id", primary_key=True, index=True)


class ProjectStep(SQLModel, table=True):
    """One step taken, as recorded (append-only: a revision is a new row, never an overwrite)."""

    __tablename__ = "project_step"

    id: int | None = Field(default=None, primary_key=True)
    project_id: uuid.UUID = Field(foreign_key="project.id", index=True)
    action: str = Field(max_length=64)
    step: str = Field(max_length=32)
    status: str = Field(max_length=32, description="The project's status after the action.")
    occurred_on: date
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    actor_org: str = Field(max_length=64)
    recorded_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class StepPublic(SQLModel):
    action: str
    step: str
    status: str
    occurred_on: date
    data: dict[str, Any]
    actor_org: str
    recorded_at: datetime
