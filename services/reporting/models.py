"""Reporting projections: rebuilt from the event topics, never written by a command."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from shared.db.types import UtcDateTime


class DistrictRollupBase(SQLModel):
    district_code: str = Field(primary_key=True, max_length=64)
    registered_projects: int = 0
    accepted_projects: int = 0
    approved_award_fen: int = Field(default=0, description="Sum of approved awards, in fen.")


class DistrictRollup(DistrictRollupBase, table=True):
    """Per-district counters the supervision rollups start from."""

    __tablename__ = "district_rollup"

    approved_award_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class DistrictRollupPublic(DistrictRollupBase):
    updated_at: datetime
