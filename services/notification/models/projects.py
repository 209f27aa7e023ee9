"""What notification remembers of a project to route by responsibility: its approved items."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from shared.db.types import UtcDateTime


class ProjectItems(SQLModel, table=True):
    __tablename__ = "project_items"

    project_id: str = Field(primary_key=True, max_length=64)
    programme_code: str = Field(max_length=64)
    plan_version: int
    item_codes: list[str] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
