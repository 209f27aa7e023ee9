"""Events the funding service publishes on `funding.events`, keyed by project id.

Amounts are strict integer fen within `shared.types.MONEY_CEILING_FEN` (signed where a correction
can go either way), so no consumer can be handed a figure that overflows its sums.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import EventPayload
from shared.contracts.topics import FUNDING_EVENTS
from shared.types import MONEY_CEILING_FEN, Fen, SignedFen

__all__ = [
    "CentralAllocationApproved",
    "CentralAllocationProposed",
    "FundingCommitted",
    "InvestmentPlanned",
    "PlannedItem",
    "PropertySubsidyPaid",
    "PropertySubsidyScheduled",
    "SubsidyAdjusted",
    "SubsidyApproved",
    "SubsidyDisbursed",
    "SubsidyDisbursementReversed",
]


class _AwardEvent(EventPayload):
    SOURCE: ClassVar[str] = "urn:renovation:funding"
    TOPIC: ClassVar[str] = FUNDING_EVENTS

    award_id: UUID
    project_id: UUID
    district_code: str
    programme_code: str

    def partition_key(self) -> str:
        return str(self.project_id)

    def subject(self) -> str:
        return f"projects/{self.project_id}/awards/{self.award_id}"

    def district(self) -> str | None:
        return self.district_code


class SubsidyApproved(_AwardEvent):
    """The municipal award subsidy (奖补) for a project was approved by the department its
    programme's profile names (Zhengzhou 2019 五(一): 市级财政)."""

    TYPE: ClassVar[str] = "funding.subsidy.approved.v1"

    basis_fen: Fen = Field(description="The investment the award is computed from, in fen.")
    ratio: Decimal = Field(ge=0, le=1, description="The programme's award ratio, e.g. 0.40.")
    amount_fen: Fen = Field(description="The approved award, in fen.")
    basis: str | None = Field(
        default=None,
        description="Which investment basis_fen is: accepted_investment, audited_investment or "
        "approved_investment (the programme profile's award basis).",
    )


class SubsidyAdjusted(_AwardEvent):
    """An approved award was trued up on the final-accounts audit (决算审计): a signed correction,
    never an edit of the approved figure. The award is now `new_amount_fen` in total."""

    TYPE: ClassVar[str] = "funding.subsidy.adjusted.v1"

    adjustment_id: UUID
    audited_investment_fen: Fen = Field(description="The audited investment, in fen.")
    previous_amount_fen: Fen = Field(description="The award before this adjustment, in fen.")
    new_amount_fen: Fen = Field(description="The award on the audited figure, in fen.")
    adjustment_fen: SignedFen = Field(
        description="new_amount_fen − previous_amount_fen: positive when the district is owed more."
    )
    audited_on: date | None = None


class SubsidyDisbursed(_AwardEvent):
    """The paying department the programme names paid a tranche of an approved award."""

    TYPE: ClassVar[str] = "funding.subsidy.disbursed.v1"

    tranche_id: UUID
    amount_fen: Fen = Field(gt=0, description="This tranche, in fen.")
    paid_on: date
    paid_fen: Fen = Field(description="Paid on the award so far, this tranche included, in fen.")
    outstanding_fen: SignedFen = Field(description="Awarded minus paid after this tranche, in fen.")


class SubsidyDisbursementReversed(_AwardEvent):
    """A tranche paid in error was reversed by a reversal entry (the original stays on record)."""

    TYPE: ClassVar[str] = "funding.subsidy.disbursement_reversed.v1"

    tranche_id: UUID = Field(description="The reversal entry.")
    reverses_tranche_id: UUID
    amount_fen: Fen = Field(gt=0, description="The amount returned, in fen.")
    reversed_on: date
    paid_fen: Fen = Field(description="Paid on the award after the reversal, in fen.")
    outstanding_fen: SignedFen = Field(description="Awarded minus paid after the reversal, in fen.")


class _ProjectFundingEvent(EventPayload):
    """A funding fact about one project (not tied to an award)."""

    SOURCE: ClassVar[str] = "urn:renovation:funding"
    TOPIC: ClassVar[str] = FUNDING_EVENTS

    project_id: UUID
    district_code: str
    programme_code: str

    def partition_key(self) -> str:
        return str(self.project_id)

    def subject(self) -> str:
        return f"projects/{self.project_id}/funding"

    def district(self) -> str | None:
        return self.district_code


class PlannedItem(BaseModel):
    """One renovation item of an investment plan and who funds it (谁受益、谁出资)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    item_code: str
    investment_fen: Fen
    funded_by: list[str] = Field(default_factory=list, description="Party or utility codes; empty when open.")
    funded_by_clause: str = Field(default="", description="The clause that says who funds it.")


class InvestmentPlanned(_ProjectFundingEvent):
    """Funding recorded a version of the project's investment plan (a revision is a new version)."""

    TYPE: ClassVar[str] = "funding.investment.planned.v1"

    version: int = Field(ge=1)
    state: str = Field(description="submitted or approved.")
    dated_on: date
    investment_fen: Fen
    items: list[PlannedItem]


class FundingCommitted(_ProjectFundingEvent):
    """A funding source committed money to the project: recorded by its district, or central funds
    committed by an approved allocation (`allocation_id` set)."""

    TYPE: ClassVar[str] = "funding.source.committed.v1"

    source_code: str
    amount_fen: Fen = Field(gt=0, description="This commitment, in fen.")
    dated_on: date
    item_code: str | None = None
    committed_fen: Fen = Field(description="All the project's sources have committed, this included.")
    shortfall_fen: int | None = Field(
        default=None,
        ge=0,
        le=MONEY_CEILING_FEN,
        strict=True,
        description="Investment no source covers yet, in fen; null without an approved plan.",
    )
    allocation_id: UUID | None = None


class PropertySubsidyScheduled(_ProjectFundingEvent):
    """The paying district scheduled the property-service subsidy (Zhengzhou 2019 五(三))."""

    TYPE: ClassVar[str] = "funding.property_subsidy.scheduled.v1"

    schedule_id: UUID
    floor_area_m2: Decimal = Field(gt=0, description="Floor area the subsidy is computed on, m².")
    taken_over_on: date
    first_month: date
    months: int = Field(ge=1)
    total_fen: Fen
    remainder_rule: str
    fen_per_m2_month: int | None = Field(
        default=None, ge=1, description="The rate paid, fen per m² per month (absent from older producers)."
    )
    below_standard: bool = Field(
        default=False,
        description="The rate is under the programme's standard (原则上: allowed with a reason).",
    )
    below_standard_reason: str | None = Field(default=None, max_length=200)


class PropertySubsidyPaid(_ProjectFundingEvent):
    """A payment was recorded against one month of the property-service subsidy schedule."""

    TYPE: ClassVar[str] = "funding.property_subsidy.paid.v1"

    schedule_id: UUID
    month: date = Field(description="The scheduled month (its first day).")
    amount_fen: Fen = Field(gt=0)
    paid_on: date
    paid_fen: Fen = Field(description="Paid on the whole schedule so far, in fen.")
    owed_fen: Fen = Field(description="Still owed on the whole schedule, in fen.")


class _AllocationEvent(EventPayload):
    """A central-fund allocation over many projects and districts: heard by departments and the
    office only (no district), each district hears its own projects' FundingCommitted."""

    SOURCE: ClassVar[str] = "urn:renovation:funding"
    TOPIC: ClassVar[str] = FUNDING_EVENTS

    allocation_id: UUID
    programme_code: str
    amount_fen: Fen = Field(description="The central amount to allocate, in fen.")
    allocated_fen: Fen = Field(description="What the lines add up to, in fen.")
    projects: int = Field(ge=0, description="Listed projects given a share.")

    def partition_key(self) -> str:
        return str(self.allocation_id)

    def subject(self) -> str:
        return f"central-allocations/{self.allocation_id}"


class CentralAllocationProposed(_AllocationEvent):
    """The department the profile names (Kaifeng 七(二): 市住建) proposed a ranked allocation of
    central funds over the listed projects, for the allocating department to review."""

    TYPE: ClassVar[str] = "funding.central_allocation.proposed.v1"

    proposed_by: str


class CentralAllocationApproved(_AllocationEvent):
    """The allocating department (Kaifeng 七(二): 市财政) approved the allocation; each project's
    share is committed as a central-subsidy source (one FundingCommitted each)."""

    TYPE: ClassVar[str] = "funding.central_allocation.approved.v1"

    approved_by: str
