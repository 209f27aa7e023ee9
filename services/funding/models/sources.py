"""Funding sources: commitments and receipts per project (append-only), and the coverage view."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import ConfigDict
from sqlalchemy import BigInteger, Column, Date
from sqlmodel import Field, SQLModel

from services.funding.domain.sources import SourceEntryKind
from services.funding.models.columns import enum_column
from services.funding.models.fields import Code, Day, LongText
from shared.db.types import UtcDateTime
from shared.types import BODY, Fen


class SourceEntryCreate(SQLModel):
    """A commitment by a source, or money received from it."""

    model_config = ConfigDict(**BODY)

    source_code: Code = Field(
        description="A source the programme's profile knows (see the 422 for the list)."
    )
    kind: SourceEntryKind
    amount_fen: Fen = Field(gt=0)
    dated_on: Day
    item_code: Code | None = Field(default=None, description="The renovation item funded, if one.")
    note: LongText | None = None


class SourceEntry(SQLModel, table=True):
    __tablename__ = "funding_source_entry"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    project_id: uuid.UUID = Field(index=True)
    district_code: str
    programme_code: str
    source_code: str
    kind: SourceEntryKind = Field(sa_column=enum_column(SourceEntryKind, 16))
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    dated_on: date = Field(sa_column=Column(Date, nullable=False))
    item_code: str | None = None
    note: str | None = None
    recorded_by: str
    recorded_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class SourceLinePublic(SQLModel):
    source_code: str
    committed_fen: int
    received_fen: int


class SourcesPublic(SQLModel):
    project_id: uuid.UUID
    district_code: str
    investment_fen: int | None = Field(description="The latest approved plan's investment, in fen.")
    lines: list[SourceLinePublic] = Field(
        description="Each source, the city award included (from the journal)."
    )
    committed_fen: int
    received_fen: int
    shortfall_fen: int | None = Field(
        description="Investment no source covers; null without an approved plan."
    )
    covered: bool | None
