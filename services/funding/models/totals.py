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
