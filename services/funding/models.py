"""Funding tables and their API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, Numeric, String
from sqlmodel import Field, SQLModel

from services.funding.domain import AwardStatus
from shared.db.types import UtcDateTime


class AwardBase(SQLModel):
    project_id: uuid.UUID
    district_code: str
    programme_code: str
    basis_fen: int = Field(description="Investment the award is computed from, in fen.")
    ratio: Decimal
    amount_fen: int = Field(description="Award in fen.")
    status: AwardStatus


class Award(AwardBase, table=True):
    """One award subsidy (奖补) per project: proposed on acceptance, approved by Finance."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    project_id: uuid.UUID = Field(unique=True)
    ratio: Decimal = Field(sa_column=Column(Numeric(6, 4), nullable=False))
    status: AwardStatus = Field(sa_column=Column(String(16), nullable=False))
    source_event_id: str
    proposed_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    approved_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    approved_by: str | None = None


class AwardPublic(AwardBase):
    id: uuid.UUID
    proposed_at: datetime
    approved_at: datetime | None
    approved_by: str | None
