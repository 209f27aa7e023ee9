"""Events the funding service publishes on `funding.events`, keyed by project id."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from shared.contracts.base import EventPayload
from shared.contracts.topics import FUNDING_EVENTS


class SubsidyApproved(EventPayload):
    """The municipal award subsidy (奖补) for a project was approved by Finance."""

    TYPE: ClassVar[str] = "funding.subsidy.approved.v1"
    SOURCE: ClassVar[str] = "urn:renovation:funding"
    TOPIC: ClassVar[str] = FUNDING_EVENTS

    award_id: UUID
    project_id: UUID
    district_code: str
    programme_code: str
    basis_fen: int = Field(ge=0, description="The investment the award is computed from, in fen.")
    ratio: Decimal = Field(ge=0, le=1, description="The programme's award ratio, e.g. 0.40.")
    amount_fen: int = Field(ge=0, description="The approved award, in fen.")

    def partition_key(self) -> str:
        return str(self.project_id)

    def subject(self) -> str:
        return f"projects/{self.project_id}/awards/{self.award_id}"

    def district(self) -> str | None:
        return self.district_code
