"""District and programme totals, summed in the database from the journal."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field
from sqlmodel import SQLModel


class TotalsBy(StrEnum):
    DISTRICT = "district"
    PROGRAMME = "programme"


class FundingTotal(SQLModel):
    """One district's or programme's figures; sums are exact integers (NUMERIC on PostgreSQL)."""

    programme_code: str | None = None
    district_code: str | None = None
    approved_awards: int = Field(description="Number of approved awards.")
    awarded_fen: int = Field(description="Approved awards plus adjustments, from the journal.")
    paid_fen: int = Field(description="Tranches paid minus reversals, from the journal.")
    outstanding_fen: int = Field(description="Awarded minus paid.")
    central_fen: int = Field(default=0, description="Central funds allocated, from the journal.")
    property_subsidy_scheduled_fen: int = Field(
        default=0, description="Property-service subsidy the districts scheduled (五(三)), from the journal."
    )
    property_subsidy_paid_fen: int = Field(
        default=0, description="What the districts paid of it, from the journal."
    )


class TotalsCheck(SQLModel):
    """The district totals, the programme totals and the journal's own sums must agree to the fen."""

    ties_out: bool
    awarded_fen: int = Field(description="Summed straight from the journal.")
    paid_fen: int
    central_fen: int
    property_subsidy_scheduled_fen: int = 0
    property_subsidy_paid_fen: int = 0
    by_district: list[FundingTotal]
    by_programme: list[FundingTotal]
    problems: list[str]
