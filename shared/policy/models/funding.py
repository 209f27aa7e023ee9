"""Who pays for what: the city award, co-funding, utilities' own lines, property-service subsidy.

Amounts are integer fen and shares are Decimal (`Ratio`), never float. Where the plan leaves
something open (the award's basis, a subsidy without a rate), the profile says how it is read.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from shared.policy.models.base import Cited, Code, Frozen, Named, Party, Ratio, Reading, Strictness, Text

__all__ = [
    "AllocationRule",
    "Award",
    "AwardBasis",
    "BeneficiaryPays",
    "CentralRanking",
    "CentralSubsidy",
    "CoFunding",
    "Funding",
    "FundingSource",
    "PropertySubsidy",
    "SubsidyRoles",
    "UtilityWorks",
]


class AwardBasis(StrEnum):
    """The investment figure the award ratio applies to."""

    APPROVED_INVESTMENT = "approved_investment"  # the investment plan as approved
    ACCEPTED_INVESTMENT = "accepted_investment"  # stated by the district at completion acceptance
    AUDITED_INVESTMENT = "audited_investment"  # the final-accounts audit (决算审计) figure


class Award(Cited):
    """A city award (奖补) of `ratio` × the `basis` investment.

    `approver_department` approves the award and `payer_department` pays it; the approver
    defaults to the payer because the plans name only who pays. With `true_up_on_audit` the
    award is paid on `basis` first and corrected by a signed adjustment once the audited
    (决算审计) figure arrives, so acceptance never waits for the audit. `basis_reading` says
    whether the document states the basis or this platform chose it for the office to confirm.
    """

    ratio: Ratio
    basis: AwardBasis
    basis_reading: Reading = Reading.DOCUMENT
    true_up_on_audit: bool = False
    approver_department: Code
    payer_department: Code
    rules_by: tuple[Code, ...] = ()
    condition_zh: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _approver_defaults_to_payer(cls, data: Any) -> Any:
        """A plan that names only the paying department has it approve as well."""
        if isinstance(data, dict) and data.get("approver_department") is None and "payer_department" in data:
            return {**data, "approver_department": data["payer_department"]}
        return data

    @model_validator(mode="after")
    def _true_up_needs_an_earlier_basis(self) -> Award:
        if self.true_up_on_audit and self.basis is AwardBasis.AUDITED_INVESTMENT:
            raise ValueError(
                "true_up_on_audit: an award already on the audited figure has nothing to true up"
            )
        return self


class FundingSource(Named):
    """A kind of contributor, e.g. owners (业主) or property-right units (产权单位)."""


class CoFunding(Cited):
    """Who carries the cost (`primary_payer`) and who else may contribute."""

    primary_payer: Party | None = None
    sources: tuple[FundingSource, ...] = ()


class UtilityWorks(Cited):
    """Utility companies do and pay for their own lines and meter boxes."""

    self_funded: bool = True
    scope_zh: Text


class PropertySubsidy(Cited):
    """Subsidy for property services; the rate is a floor in fen per m² of floor area per month.

    `strictness` is read from the plan's own word, quoted in `qualifier_zh` (Zhengzhou 2019:
    "原则上"; Kaifeng: "可"), so a district paying less is flagged, not refused, where the plan
    allows departures.
    """

    payers: tuple[Party, ...]
    strictness: Strictness
    qualifier_zh: Text | None = None
    min_fen_per_m2_month: int | None = Field(default=None, ge=1)
    min_months: int | None = Field(default=None, ge=1)
    fees_borne_by_zh: Text | None = None

    @property
    def mandatory(self) -> bool:
        """True only when the plan states the subsidy without qualifier."""
        return self.strictness is Strictness.MANDATORY

    @model_validator(mode="after")
    def _qualifier_is_quoted(self) -> PropertySubsidy:
        if self.strictness is not Strictness.MANDATORY and self.qualifier_zh is None:
            raise ValueError("qualifier_zh: quote the plan's word that makes the subsidy not mandatory")
        return self


class BeneficiaryPays(Cited):
    """谁受益、谁出资: residents and owners share the cost of what benefits them."""

    scope_zh: Text


class SubsidyRoles(Cited):
    """Who proposes the allocation of subsidy funds and who allocates, pays and audits them."""

    proposer_department: Code
    allocator_department: Code


class AllocationRule(Cited, Named):
    """How subsidy money is allocated, e.g. to named projects, fast projects first."""


class CentralRanking(Cited):
    """How the proposer ranks the listed projects for central funds and splits an amount over them.

    score = approvals_weight × (approval_steps done ÷ their number)
          + progress_weight × works progress (0..1)
          + investment_weight × (remaining need ÷ the largest remaining need among the candidates),
    each share rounded half-up to 4 places first. The amount is split in proportion to the
    scores, no project above its remaining need (what a capped project cannot take is shared
    again among the others); the fen left over by rounding down (fewer than the projects sharing)
    go one each to the highest-ranked projects. Ties rank by the day the approval steps were
    complete (earlier first), then by project id. The plan names the two priorities (前期工作推进快,
    审批手续完善) but no formula, so the weights are this platform's reading.
    """

    approval_steps: tuple[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], ...] = Field(min_length=1)
    approvals_weight: Ratio
    progress_weight: Ratio
    investment_weight: Ratio
    reading: Reading = Reading.PLATFORM

    @model_validator(mode="after")
    def _weights_add_up_to_one(self) -> CentralRanking:
        total = self.approvals_weight + self.progress_weight + self.investment_weight
        if total != 1:
            raise ValueError(f"the ranking weights add up to {total}, not 1")
        return self


class CentralSubsidy(Cited):
    """Central-government subsidy for a listed number of communities in one year."""

    year: int = Field(ge=2000, le=2100)
    funded_communities: int = Field(ge=1)
    roles: SubsidyRoles | None = None
    allocation: tuple[AllocationRule, ...] = ()
    ranking: CentralRanking | None = None


class Funding(Frozen):
    """The money rules a plan has; each absent rule is None."""

    co_funding: CoFunding | None = None
    award: Award | None = None
    utility_works: UtilityWorks | None = None
    property_subsidy: PropertySubsidy | None = None
    beneficiary_pays: BeneficiaryPays | None = None
    central_subsidy: CentralSubsidy | None = None
