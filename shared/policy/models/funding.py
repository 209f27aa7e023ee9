"""Who pays for what: the city award, co-funding, utilities' own lines, property-service subsidy.

Amounts are integer fen and shares are Decimal (`Ratio`), never float. Where the plan leaves
something open (the award's basis, a subsidy without a rate), the profile says how it is read.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.policy.models.base import Cited, Code, Frozen, Named, Party, Ratio, Text


class AwardBasis(StrEnum):
    """The investment figure the award ratio applies to."""

    APPROVED_INVESTMENT = "approved_investment"  # the investment plan as approved
    AUDITED_INVESTMENT = "audited_investment"  # the final-accounts audit (决算审计) figure


class Award(Cited):
    """A city award (奖补) of `ratio` × the `basis` investment, paid by `payer_department`."""

    ratio: Ratio
    basis: AwardBasis
    payer_department: Code
    rules_by: tuple[Code, ...] = ()
    condition_zh: Text | None = None


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
    """Subsidy for property services; the rate is a floor in fen per m² of floor area per month."""

    payers: tuple[Party, ...]
    mandatory: bool
    min_fen_per_m2_month: int | None = Field(default=None, ge=1)
    min_months: int | None = Field(default=None, ge=1)
    fees_borne_by_zh: Text | None = None


class BeneficiaryPays(Cited):
    """谁受益、谁出资: residents and owners share the cost of what benefits them."""

    scope_zh: Text


class SubsidyRoles(Cited):
    """Who proposes the allocation of subsidy funds and who allocates, pays and audits them."""

    proposer_department: Code
    allocator_department: Code


class AllocationRule(Cited, Named):
    """How subsidy money is allocated, e.g. to named projects, fast projects first."""


class CentralSubsidy(Cited):
    """Central-government subsidy for a listed number of communities in one year."""

    year: int = Field(ge=2000, le=2100)
    funded_communities: int = Field(ge=1)
    roles: SubsidyRoles | None = None
    allocation: tuple[AllocationRule, ...] = ()


class Funding(Frozen):
    """The money rules a plan has; each absent rule is None."""

    co_funding: CoFunding | None = None
    award: Award | None = None
    utility_works: UtilityWorks | None = None
    property_subsidy: PropertySubsidy | None = None
    beneficiary_pays: BeneficiaryPays | None = None
    central_subsidy: CentralSubsidy | None = None
