"""Events the registry publishes on `registry.events`, keyed by project id."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from shared.contracts.base import EventPayload
from shared.contracts.topics import REGISTRY_EVENTS


class _ProjectEvent(EventPayload):
    SOURCE: ClassVar[str] = "urn:renovation:registry"
    TOPIC: ClassVar[str] = REGISTRY_EVENTS

    project_id: UUID
    community_id: UUID
    district_code: str
    programme_code: str

    def partition_key(self) -> str:
        return str(self.project_id)

    def subject(self) -> str:
        return f"projects/{self.project_id}"

    def district(self) -> str | None:
        return self.district_code


class ProjectRegistered(_ProjectEvent):
    """A renovation project entered the ledger (台账) at the survey stage."""

    TYPE: ClassVar[str] = "registry.project.registered.v1"

    name: str
    investment_fen: int = Field(ge=0)


class ProjectAccepted(_ProjectEvent):
    """The project passed completion acceptance (工程验收); the award subsidy may now be approved."""

    TYPE: ClassVar[str] = "registry.project.accepted.v1"

    investment_fen: int = Field(ge=0, description="Planned (approved) renovation investment, in fen.")
    audited_investment_fen: int | None = Field(
        default=None, ge=0, description="Final-accounts audited investment, in fen, when known."
    )
    accepted_on: date


class FinalAccountsAudited(_ProjectEvent):
    """The final-accounts audit (决算审计) of the project's investment is done; it follows acceptance
    (Zhengzhou 2019 四(四): 统一组织竣工验收, then 统一实行决算审计). Funding trues up the award on it."""

    TYPE: ClassVar[str] = "registry.project.final_accounts_audited.v1"

    audited_investment_fen: int = Field(ge=0, description="Audited investment, in fen.")
    audited_on: date
