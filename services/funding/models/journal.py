"""The append-only money journal (double entry): one row per movement, debit and credit account."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column, Integer
from sqlmodel import Field, SQLModel

from services.funding.domain.journal import Account, Movement
from services.funding.models.columns import enum_column
from shared.db.types import UtcDateTime
from shared.types import Fen


class JournalEntryBase(SQLModel):
    project_id: uuid.UUID
    district_code: str
    award_id: uuid.UUID | None = Field(
        default=None, description="The award moved, or null for central funds (see reference_id)."
    )
    movement: Movement
    debit_account: Account
    credit_account: Account
    amount_fen: Fen = Field(description="Positive amount moved, in fen.")
    reference_id: uuid.UUID = Field(
        description="The award, adjustment, tranche or central-allocation line the movement records."
    )


class JournalEntry(JournalEntryBase, table=True):
    """One movement; the table refuses UPDATE and DELETE (corrections are reversing entries)."""

    __tablename__ = "journal_entry"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    project_id: uuid.UUID = Field(index=True)
    movement: Movement = Field(sa_column=enum_column(Movement, 32))
    debit_account: Account = Field(sa_column=enum_column(Account, 32))
    credit_account: Account = Field(sa_column=enum_column(Account, 32))
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    posted_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class JournalEntryPublic(JournalEntryBase):
    id: int
    posted_at: datetime


class ProjectBalances(SQLModel):
    """A project's figures as derived from its journal, and whether they tie out."""

    project_id: uuid.UUID
    district_code: str
    awarded_fen: int
    paid_fen: int
    outstanding_fen: int = Field(
        description="Awarded minus paid; negative when a true-up left an overpayment."
    )
    overpaid: bool
    approved_at: datetime | None
    days_outstanding: int | None = Field(
        description="Days (Asia/Shanghai) since approval while part of the award is unpaid; else null."
    )
    ties_out: bool
    problems: list[str]


class CentralBalance(SQLModel):
    """A project's central funds three ways: the journal, the approved allocation lines, and the
    central-subsidy commitments on its sources; they must agree to the fen."""

    project_id: uuid.UUID
    district_code: str
    journal_fen: int
    allocated_fen: int
    committed_fen: int
    ties_out: bool


class PropertySubsidyBalance(SQLModel):
    """A project's property-service subsidy two ways: the journal, and the schedule with its
    payments (the sub-ledger); they must agree to the fen."""

    project_id: uuid.UUID
    district_code: str
    journal_scheduled_fen: int
    schedule_total_fen: int
    journal_paid_fen: int
    payments_fen: int
    owed_fen: int = Field(description="Scheduled minus paid, from the journal.")
    ties_out: bool


class Reconciliation(SQLModel):
    ties_out: bool
    projects: list[ProjectBalances]
    central: list[CentralBalance] = Field(default_factory=list, description="Projects given central funds.")
    property_subsidy: list[PropertySubsidyBalance] = Field(
        default_factory=list, description="Projects with a property-service subsidy schedule."
    )
