"""Investment plan versions by renovation item (append-only: a revision is a new version)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, Integer
from sqlmodel import Field, SQLModel

from services.funding.domain.plans import PlanState
from services.funding.models.columns import enum_column
from shared.db.types import UtcDateTime


class InvestmentPlanBase(SQLModel):
    project_id: uuid.UUID
    district_code: str
    programme_code: str
    version: int
    state: PlanState
    dated_on: date = Field(description="Submitted on, or approved on.")
    investment_fen: int


class InvestmentPlan(InvestmentPlanBase, table=True):
    """One plan version as submitted, or as approved (two rows; neither is ever edited)."""

    __tablename__ = "investment_plan"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    project_id: uuid.UUID = Field(index=True)
    version: int = Field(sa_column=Column(Integer, nullable=False))
    state: PlanState = Field(sa_column=enum_column(PlanState, 16))
    dated_on: date = Field(sa_column=Column(Date, nullable=False))
    investment_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    source_event_id: str
    recorded_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class PlanItemBase(SQLModel):
    item_code: str
    investment_fen: int
    funded_by: str = Field(description="Who funds the item (comma-separated party or utility codes).")
    funded_by_clause: str = Field(description="The clause that says who funds it ('' when open).")


class PlanItem(PlanItemBase, table=True):
    __tablename__ = "investment_plan_item"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    plan_id: uuid.UUID = Field(foreign_key="investment_plan.id", index=True)
    investment_fen: int = Field(sa_column=Column(BigInteger, nullable=False))


class PlanItemPublic(PlanItemBase):
    pass


class InvestmentPlanPublic(InvestmentPlanBase):
    items: list[PlanItemPublic]
