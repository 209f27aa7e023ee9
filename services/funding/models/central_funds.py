"""Central-fund allocations (Kaifeng 三, 七(二), 七(三)): Housing's ranked proposal, one line per
listed project (and one per programme project left out, with the reason), Finance's approval."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import ConfigDict
from sqlalchemy import BigInteger, Column, Integer, Numeric
from sqlmodel import Field, SQLModel

from services.funding.models.columns import enum_column
from services.funding.models.fields import CentralProgramme
from shared.db.types import UtcDateTime
from shared.types import BODY, Fen, Note


class AllocationStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    SUPERSEDED = "superseded"  # a newer proposal for the programme replaced it before approval


class LineOutcome(StrEnum):
    """Why a line gets what it gets."""

    ALLOCATED = "allocated"  # a share of the amount
    NOT_LISTED = "not_listed"  # not among the listed communities (Kaifeng 三): never central funds
    NO_REMAINING_NEED = "no_remaining_need"  # its sources already cover its investment
    NOTHING_LEFT = "nothing_left"  # ranked, but the amount ran out or its score is 0


class AllocationCreate(SQLModel):
    """Housing's request: the central amount and the projects on the central list."""

    model_config = ConfigDict(**BODY)

    programme_code: CentralProgramme
    amount_fen: Fen = Field(gt=0, description="The central amount to allocate, in fen.")
    listed_project_ids: list[uuid.UUID] = Field(
        min_length=1,
        max_length=1000,
        description="The projects of the communities on the central-fund list (Kaifeng 三: 117). "
        "No registry event carries the list, so Housing states it here; at most the profile's number.",
    )
    note: Note | None = Field(default=None, description="Why this split, for Finance's review.")


class CentralAllocation(SQLModel, table=True):
    __tablename__ = "central_allocation"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    programme_code: str = Field(index=True)
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    allocated_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: AllocationStatus = Field(sa_column=enum_column(AllocationStatus, 16))
    weights: str = Field(description="approvals/progress/investment weights as proposed, e.g. 0.50/0.30/0.20")
    note: str | None = None
    proposed_by: str
    proposed_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    approved_by: str | None = None
    approved_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))


class CentralAllocationLine(SQLModel, table=True):
    __tablename__ = "central_allocation_line"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    allocation_id: uuid.UUID = Field(foreign_key="central_allocation.id", index=True)
    project_id: uuid.UUID = Field(index=True)
    district_code: str
    name: str | None = None
    listed: bool
    rank: int | None = Field(default=None, sa_column=Column(Integer))
    score: Decimal | None = Field(default=None, sa_column=Column(Numeric(6, 4)))
    approvals: Decimal | None = Field(default=None, sa_column=Column(Numeric(6, 4)))
    progress: Decimal | None = Field(default=None, sa_column=Column(Numeric(6, 4)))
    investment: Decimal | None = Field(default=None, sa_column=Column(Numeric(6, 4)))
    need_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    outcome: LineOutcome = Field(sa_column=enum_column(LineOutcome, 32))
    reason: str


class AllocationLinePublic(SQLModel):
    project_id: uuid.UUID
    district_code: str
    name: str | None
    listed: bool
    rank: int | None = Field(description="1 = first priority; null for a project left out.")
    score: Decimal | None
    approvals: Decimal | None = Field(description="Share of the profile's approval steps done, 0..1.")
    progress: Decimal | None = Field(description="Works progress, 0..1.")
    investment: Decimal | None = Field(description="Remaining need ÷ the largest remaining need.")
    need_fen: int = Field(description="Investment minus what the project's sources already cover.")
    amount_fen: int = Field(description="Proposed central funds, in fen.")
    outcome: LineOutcome
    reason: str


class AllocationPublic(SQLModel):
    id: uuid.UUID
    programme_code: str
    amount_fen: int
    allocated_fen: int
    unallocated_fen: int = Field(description="What no listed project can take (their needs are met).")
    status: AllocationStatus
    weights: str
    formula: str
    remainder_rule: str
    note: str | None
    proposed_by: str
    proposed_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    lines: list[AllocationLinePublic]


class CandidatePublic(SQLModel):
    """A project as the ranking would see it now (the inputs, before any list or amount)."""

    project_id: uuid.UUID
    district_code: str
    name: str | None
    steps_done: list[str] = Field(description="The profile's approval steps done, in its order.")
    steps_complete_on: date | None
    progress: Decimal = Field(description="Works progress, 0..1.")
    investment_fen: int | None
    need_fen: int
