"""Events the funding service publishes on `funding.events`, keyed by project id.

Amounts are strict integer fen within `shared.types.MONEY_CEILING_FEN` (signed where a correction
can go either way), so no consumer can be handed a figure that overflows its sums.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from shared.contracts.base import EventPayload
from shared.contracts.topics import FUNDING_EVENTS
from shared.types import Fen, SignedFen

__all__ = ["SubsidyAdjusted", "SubsidyApproved", "SubsidyDisbursed", "SubsidyDisbursementReversed"]


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
