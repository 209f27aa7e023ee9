"""The organisation directory's table and API shapes (districts, street offices, departments…)."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict
from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from shared.db.types import UtcDateTime
from shared.directory import OrganisationKind
from shared.types import BODY, Name


class OrganisationBase(SQLModel):
    code: str = Field(primary_key=True, min_length=2, max_length=64, regex=r"^[a-z0-9][a-z0-9-]*$")
    kind: OrganisationKind = Field(sa_column=Column(String(32), nullable=False))
    name_zh: Name
    name_en: Name
    parent_code: str | None = Field(default=None, max_length=64)


class OrganisationCreate(OrganisationBase):
    model_config = ConfigDict(**BODY)  # type: ignore[typeddict-item]


class Organisation(OrganisationBase, table=True):
    source: str = Field(max_length=16, description="seed (from the profiles) or admin")
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class OrganisationPublic(OrganisationBase):
    source: str
    created_at: datetime
