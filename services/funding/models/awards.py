"""Award tables and their API shapes: the award, its true-up adjustments, and projects without one."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Column, Numeric
from sqlmodel import Field, SQLModel

from services.funding.domain.awards import AwardStatus, NoAwardReason
from services.funding.models.columns import enum_column
from shared.db.types import UtcDateTime
from shared.policy import AwardBasis
from shared.types import Fen, SignedFen


class AwardBase(SQLModel):
    project_id: uuid.UUID
    district_code: str
    programme_code: str
    basis_fen: Fen = Field(description="Investment the award is computed from, in fen.")
    ratio: Decimal
    amount_fen: Fen = Field(description="Award in fen: proposed, or as approved (never edited after).")
    status: AwardStatus


class Award(AwardBase, table=True):
    """One award subsidy (奖补) per project: proposed on acceptance, approved by the profile's approver.

    Once approved, `amount_fen` is the approved figure for good; the audit's true-up is an
    `AwardAdjustment`, never an edit.
    """

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    project_id: uuid.UUID = Field(unique=True)
    basis_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    ratio: Decimal = Field(sa_column=Column(Numeric(6, 4), nullable=False))
    status: AwardStatus = Field(sa_column=enum_column(AwardStatus, 16))
    basis: AwardBasis | None = Field(default=None, sa_column=enum_column(AwardBasis, 32, nullable=True))
    planned_investment_fen: int | None = Field(default=None, sa_column=Column(BigInteger))
    accepted_investment_fen: int | None = Field(default=None, sa_column=Column(BigInteger))
    audited_investment_fen: int | None = Field(default=None, sa_column=Column(BigInteger))
    source_event_id: str
    proposed_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    approved_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    approved_by: str | None = None


class AwardPublic(AwardBase):
    id: uuid.UUID
    basis: AwardBasis | None = Field(description="Which investment figure basis_fen is.")
    planned_investment_fen: Fen | None
    accepted_investment_fen: Fen | None
    audited_investment_fen: Fen | None
    proposed_at: datetime
    approved_at: datetime | None
    approved_by: str | None


class AwardAdjustmentBase(SQLModel):
    award_id: uuid.UUID
    project_id: uuid.UUID
    district_code: str
    audited_investment_fen: Fen
    previous_amount_fen: Fen = Field(description="Awarded before this adjustment (approved + earlier).")
    new_amount_fen: Fen = Field(description="The award on the audited figure.")
    adjustment_fen: SignedFen = Field(description="new_amount_fen − previous_amount_fen, signed.")


class AwardAdjustment(AwardAdjustmentBase, table=True):
    """A signed true-up of an approved award when the final-accounts audit arrives (append-only)."""

    __tablename__ = "award_adjustment"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    award_id: uuid.UUID = Field(foreign_key="award.id", index=True)
    audited_investment_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    previous_amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    new_amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    adjustment_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    source_event_id: str
    adjusted_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class AwardAdjustmentPublic(AwardAdjustmentBase):
    id: uuid.UUID
    adjusted_at: datetime


class NoAwardBase(SQLModel):
    project_id: uuid.UUID
    district_code: str
    programme_code: str
    reason: NoAwardReason
    detail: str


class NoAward(NoAwardBase, table=True):
    """An accepted project that earns no city award, and why (self-funded, no award rule, ...)."""

    __tablename__ = "award_exclusion"

    project_id: uuid.UUID = Field(primary_key=True)
    reason: NoAwardReason = Field(sa_column=enum_column(NoAwardReason, 32))
    source_event_id: str
    decided_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class NoAwardPublic(NoAwardBase):
    decided_at: datetime
