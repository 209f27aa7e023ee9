"""The central-fund list (Kaifeng 三: 117 communities on the 2019 central subsidy) as reporting sees it.

Two small directories, each written by single-statement upserts from registry events:
`central_listing` holds the communities the districts put on the list (and when), from
`CommunityRegistered` / `CommunityClassified`; `project_member` which communities each project
renovates (its own and a contiguous group's, from `ProjectRegistered`). The day a project reached
a step is in `project_street`. Progress is a join of the three as of a day, never a stored count,
so the order events arrive in (community and project events are keyed differently) cannot change it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, Index, String, Uuid
from sqlmodel import Field, SQLModel

from shared.db.types import UtcDateTime


class CentralListing(SQLModel, table=True):
    """One community on (or once on) its programme's central-fund list."""

    __tablename__ = "central_listing"
    __table_args__ = (Index("ix_central_listing_programme", "programme_code", "district_code"),)

    community_id: uuid.UUID = Field(sa_column=Column(Uuid, primary_key=True))
    programme_code: str = Field(sa_column=Column(String(64), nullable=False))
    district_code: str = Field(sa_column=Column(String(64), nullable=False))
    listed: bool = Field(sa_column=Column(Boolean, nullable=False))
    listed_on: date = Field(sa_column=Column(Date, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class ProjectMember(SQLModel, table=True):
    """A community a project renovates (the project's own, or one of its contiguous group)."""

    __tablename__ = "project_member"
    __table_args__ = (Index("ix_project_member_community", "community_id"),)

    project_id: uuid.UUID = Field(sa_column=Column(Uuid, primary_key=True))
    community_id: uuid.UUID = Field(sa_column=Column(Uuid, primary_key=True))


class MilestoneFigures(SQLModel):
    """Listed communities against one dated milestone of the list."""

    code: str = Field(description="The deadline's code in the profile.")
    target: int = Field(description="Listed communities that must reach the step (全部: all of them).")
    done: int = Field(description="Listed communities whose project reached the step by `as_of`.")
    expected_by_now: int = Field(
        description="Due by now if the work is spread evenly by day from the plan's issue to the due date."
    )
    behind_by: int
    remaining: int = Field(description="Listed communities still to reach the step.")
    status: str = Field(description="met, on_track, behind or missed (the due date passed with work left).")


class CentralMilestonePublic(MilestoneFigures):
    """One dated milestone of the list, city-wide (over the districts the caller may read)."""

    step: str = Field(description="The lifecycle step the deadline sits on.")
    met_when: str = Field(description="What meets it: the step `completed` or `started`.")
    due_on: date
    clause: str
    description_zh: str
    description_en: str
    weeks_left: int = Field(description="Whole weeks from `as_of` to the due date (0 once passed).")
    needed_per_week: int = Field(description="Communities per week needed to meet it on time.")


class CentralListDistrictPublic(SQLModel):
    """One district's listed communities and where they stand against each milestone."""

    district_code: str
    listed: int
    milestones: list[MilestoneFigures]


class CentralListProgressPublic(SQLModel):
    """The central-fund list's progress on `as_of` (Kaifeng 三), city-wide and per district."""

    programme_code: str
    as_of: date
    funded_communities: int | None = Field(
        description="How many communities the plan lists (117 in Kaifeng); null when the plan has no list."
    )
    listed: int = Field(description="Communities the districts put on the list in the ledger by `as_of`.")
    clause: str | None = None
    milestones: list[CentralMilestonePublic]
    districts: list[CentralListDistrictPublic]
