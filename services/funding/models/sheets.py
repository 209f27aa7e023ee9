"""A project's funding sheet: what was planned, awarded and why, adjusted, paid and still owed."""

from __future__ import annotations

import uuid

from pydantic import Field
from sqlmodel import SQLModel

from services.funding.models.awards import AwardAdjustmentPublic, AwardPublic, NoAwardPublic
from services.funding.models.disbursements import TranchePublic
from services.funding.models.journal import JournalEntryPublic
from services.funding.models.plans import InvestmentPlanPublic
from services.funding.models.sources import SourcesPublic


class InvestmentFigures(SQLModel):
    planned_investment_fen: int | None = Field(
        description="The latest approved plan's investment (else the one stated at acceptance), in fen."
    )
    accepted_investment_fen: int | None = Field(description="The investment stated at acceptance, in fen.")
    audited_investment_fen: int | None = Field(description="The final-accounts audited investment, in fen.")


class ProjectFunding(SQLModel):
    """Every figure derives from the journal; the rows behind them are listed for tracing."""

    project_id: uuid.UUID
    district_code: str
    programme_code: str
    plan: InvestmentFigures
    plans: list[InvestmentPlanPublic] = Field(description="Every plan version, submitted and approved.")
    award: AwardPublic | None
    no_award: NoAwardPublic | None = Field(description="Why the project earns no award, when it earns none.")
    adjustments: list[AwardAdjustmentPublic]
    tranches: list[TranchePublic]
    journal: list[JournalEntryPublic]
    awarded_fen: int = Field(description="Approved award plus adjustments, from the journal.")
    paid_fen: int = Field(description="Tranches paid minus reversals, from the journal.")
    outstanding_fen: int = Field(description="Awarded minus paid, from the journal (negative: overpaid).")
    central_fen: int = Field(
        default=0, description="Central funds allocated to the project, from the journal."
    )
    property_subsidy_scheduled_fen: int = Field(
        default=0, description="The district's property-service subsidy scheduled (五(三)), from the journal."
    )
    property_subsidy_paid_fen: int = Field(
        default=0, description="What the district paid of it, from the journal."
    )
    sources: SourcesPublic | None = Field(
        default=None, description="Who funds the project (each source, the award and central funds included)."
    )
