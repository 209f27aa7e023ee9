"""Tranches paid against an approved award, and their reversals (rows are never edited)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlalchemy import BigInteger, Column, Date
from sqlmodel import Field, SQLModel

from services.funding.models.columns import enum_column
from services.funding.models.fields import Day, Text
from shared.db.types import UtcDateTime
from shared.types import BODY, Fen


class TrancheKind(StrEnum):
    PAYMENT = "payment"
    REVERSAL = "reversal"


class TrancheCreate(SQLModel):
    """A tranche the paying department records against an approved award."""

    model_config = ConfigDict(**BODY)

    amount_fen: Fen = Field(gt=0, description="Amount paid, in fen (strict integer, > 0).")
    paid_on: Day = Field(description="The payment date (Asia/Shanghai), not in the future.")
    reference: Text | None = Field(default=None, description="Payment voucher or bank reference.")


class TrancheReversalCreate(SQLModel):
    """Why a tranche is reversed (a correction is a reversal entry, never an edit)."""

    model_config = ConfigDict(**BODY)

    reason: Text
    reversed_on: Day


class TrancheBase(SQLModel):
    award_id: uuid.UUID
    project_id: uuid.UUID
    district_code: str
    kind: TrancheKind
    amount_fen: Fen
    paid_on: date
    reference: str | None = None
    reverses_id: uuid.UUID | None = None
    recorded_by: str


class Tranche(TrancheBase, table=True):
    """A payment (or the reversal of one) against an award."""

    __tablename__ = "disbursement"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    award_id: uuid.UUID = Field(foreign_key="award.id", index=True)
    project_id: uuid.UUID = Field(index=True)
    kind: TrancheKind = Field(sa_column=enum_column(TrancheKind, 16))
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    paid_on: date = Field(sa_column=Column(Date, nullable=False))
    reverses_id: uuid.UUID | None = Field(default=None, unique=True)
    recorded_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class TranchePublic(TrancheBase):
    id: uuid.UUID
    recorded_at: datetime
