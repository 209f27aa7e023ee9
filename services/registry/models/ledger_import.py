"""A spreadsheet import of the ledger: the job row is its state, visible while it runs.

The file itself is not stored (it is parsed when uploaded and held in memory by the job); the
row keeps what a district needs to follow and correct its import: the counts, the report of
problems (row, column, rule), the rows already in the ledger, and why a job failed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from shared.db.types import UtcDateTime


class ImportStatus(StrEnum):
    """Where an import job is."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportMode(StrEnum):
    """What happens to the valid rows when some rows are invalid."""

    ALL_OR_NOTHING = "all_or_nothing"
    """Nothing is imported if any row is invalid (the default)."""
    VALID_ROWS = "valid_rows"
    """The valid rows are imported; the invalid ones are reported."""


MAX_REPORTED = 1_000
"""Problems (and unchanged row numbers) kept on the job; the totals count them all."""


class LedgerImport(SQLModel, table=True):
    """One import job."""

    __tablename__ = "ledger_import"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    programme_code: str = Field(max_length=64)
    district_code: str = Field(max_length=64, index=True)
    mode: str = Field(max_length=32)
    file_format: str = Field(max_length=8)
    filename: str | None = Field(default=None, max_length=200)
    file_sha256: str = Field(max_length=64)
    status: str = Field(max_length=16)
    rows_read: int = 0
    rows_valid: int = 0
    rows_invalid: int = 0
    rows_imported: int = 0
    rows_unchanged: int = 0
    problems_total: int = 0
    report: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    unchanged: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    failure: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    actor_subject: str = Field(max_length=200)
    actor_org: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))


class ReportEntry(SQLModel):
    row: int = Field(description="The spreadsheet row (the heading row is usually 1).")
    column: str | None = Field(description="The column's Chinese heading.")
    field: str | None = Field(description="The field the column fills.")
    rule: str = Field(description="The rule code (stable).")
    message: str = Field(description="The problem in the caller's language.")


class ImportFailure(SQLModel):
    rule: str
    message: str


class LedgerImportPublic(SQLModel):
    id: uuid.UUID
    programme_code: str
    district_code: str
    mode: ImportMode
    file_format: str
    filename: str | None
    status: ImportStatus
    rows_read: int
    rows_valid: int
    rows_invalid: int
    rows_imported: int = Field(description="New communities entered in the ledger by this import.")
    rows_unchanged: int = Field(description="Valid rows already in the ledger with the same facts.")
    unchanged: list[int] = Field(description=f"Their row numbers (the first {MAX_REPORTED}).")
    problems_total: int
    report: list[ReportEntry] = Field(description=f"Problems by row and column (the first {MAX_REPORTED}).")
    failure: ImportFailure | None = Field(description="Why nothing (more) was imported, if so.")
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
