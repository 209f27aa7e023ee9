"""Utilities' pipeline work inside a project, and the exemptions that let construction complete
without it: the tables and their API shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, Column, String
from sqlmodel import Field, SQLModel

from services.registry.domain.pipeline import WorkStatus
from services.registry.models.bounds import MAX_LIST_ITEMS, Code
from shared.db.types import UtcDateTime
from shared.types import BODY, Name, Note, ProcessDate


class PipelineWorkAssignment(BaseModel):
    """The district's assignment (专业经营单位的管线改造任务)."""

    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    item_code: Code = pydantic.Field(description="A catalogue item (of the approved plan, if any).")
    utility_code: Code = pydantic.Field(description="A utility company of the directory (kind `utility`).")
    scope: Note = pydantic.Field(description="What the company is to do.")
    planned_start_on: ProcessDate
    planned_end_on: ProcessDate


class PipelineWorkStart(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    started_on: ProcessDate


class PipelineWorkCompletion(BaseModel):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    completed_on: ProcessDate
    scope_done: Note = pydantic.Field(description="What was done.")
    evidence_ref: Name = pydantic.Field(description="Evidence reference: completion form, photos, record.")


class PipelineExemptionCreate(BaseModel):
    """The district lets construction complete although these works are open, and says why."""

    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]

    work_ids: list[uuid.UUID] = pydantic.Field(min_length=1, max_length=MAX_LIST_ITEMS)
    reason: Note
    exempted_on: ProcessDate


class PipelineWork(SQLModel, table=True):
    """One utility company's work in one project; the district and the company each write their part."""

    __tablename__ = "pipeline_work"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    project_id: uuid.UUID = Field(foreign_key="project.id", index=True)
    district_code: str = Field(max_length=64, index=True)
    programme_code: str = Field(max_length=64)
    item_code: str = Field(max_length=64)
    utility_code: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    scope: str = Field(max_length=2000)
    planned_start_on: date
    planned_end_on: date
    status: str = Field(sa_column=Column(String(16), nullable=False))
    started_on: date | None = None
    completed_on: date | None = None
    scope_done: str | None = Field(default=None, max_length=2000)
    evidence_ref: str | None = Field(default=None, max_length=200)
    exemption_id: int | None = Field(default=None, foreign_key="pipeline_exemption.id")
    assigned_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class PipelineExemption(SQLModel, table=True):
    """An exemption as recorded (append-only): the open works it covered and the reason."""

    __tablename__ = "pipeline_exemption"

    id: int | None = Field(default=None, primary_key=True)
    project_id: uuid.UUID = Field(foreign_key="project.id", index=True)
    work_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reason: str = Field(max_length=2000)
    exempted_on: date
    actor_org: str = Field(max_length=64)
    recorded_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class PipelineWorkPublic(SQLModel):
    id: uuid.UUID
    project_id: uuid.UUID
    district_code: str
    programme_code: str
    item_code: str
    utility_code: str
    scope: str
    planned_start_on: date
    planned_end_on: date
    status: WorkStatus
    started_on: date | None
    completed_on: date | None
    scope_done: str | None
    evidence_ref: str | None
    exempted: bool = Field(description="An exemption lets construction complete while this work is open.")
    created_at: datetime
    updated_at: datetime


class PipelineExemptionPublic(SQLModel):
    id: int
    project_id: uuid.UUID
    work_ids: list[uuid.UUID]
    reason: str
    exempted_on: date
    actor_org: str
    recorded_at: datetime


def as_public(work: PipelineWork) -> PipelineWorkPublic:
    """The work as the API shows it."""
    fields: dict[str, Any] = {"exempted": work.exemption_id is not None}
    return PipelineWorkPublic.model_validate(work, update=fields, from_attributes=True)
