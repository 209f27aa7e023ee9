"""Funding tables and their API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, Numeric
from sqlmodel import Field, SQLModel

from shared.db_types import UtcDateTime


class AwardBase(SQLModel):
    project_id: uuid.UUID
    district_code: str
    programme_code: str
    basis_fen: int = Field(description="Investment the award is computed from, in fen.")
    ratio: Decimal
    amount_fen: int = Field(description="Approved award in fen.")
    status: str


class Award(AwardBase, table=True):
    """One award subsidy (奖补) per project, approved when the project is accepted."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    project_id: uuid.UUID = Field(unique=True)
    ratio: Decimal = Field(sa_column=Column(Numeric(6, 4), nullable=False))
    source_event_id: str
    approved_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class AwardPublic(AwardBase):
    id: uuid.UUID
    approved_at: datetime
