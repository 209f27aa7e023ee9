"""An import job as the API shows it: messages localised, and a job a stopped service left
running shown as failed (interrupted) once it has not moved for STALE_AFTER."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from services.registry.handlers.ledger_import import STALE_AFTER, present
from services.registry.models.ledger_import import ImportStatus, LedgerImport

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def job(status: ImportStatus, touched: datetime) -> LedgerImport:
    return LedgerImport(
        id=uuid.uuid4(),
        programme_code="kaifeng-2019",
        district_code="kf-gulou",
        mode="all_or_nothing",
        file_format="xlsx",
        file_sha256="0" * 64,
        status=status.value,
        report=[
            {
                "row": 3,
                "column": "户数",
                "field": "households",
                "rule": "int_parsing",
                "message": "'x' is not a whole number",
            }
        ],
        unchanged=[],
        actor_subject="u",
        actor_org="kf-gulou",
        created_at=touched,
        updated_at=touched,
    )


def test_a_running_job_untouched_for_too_long_shows_as_interrupted() -> None:
    fresh = present(job(ImportStatus.RUNNING, NOW - timedelta(minutes=1)), language="en", now=NOW)
    assert fresh.status is ImportStatus.RUNNING and fresh.failure is None
    stale = present(
        job(ImportStatus.RUNNING, NOW - STALE_AFTER - timedelta(seconds=1)), language="en", now=NOW
    )
    assert stale.status is ImportStatus.FAILED and stale.failure is not None
    assert stale.failure.rule == "import_interrupted"
    finished = present(job(ImportStatus.DONE, NOW - timedelta(days=3)), language="en", now=NOW)
    assert finished.status is ImportStatus.DONE


def test_report_messages_are_in_the_callers_language() -> None:
    stored = job(ImportStatus.FAILED, NOW)
    assert present(stored, language="en", now=NOW).report[0].message == "'x' is not a whole number"
    chinese = present(stored, language="zh-CN", now=NOW).report[0].message
    assert chinese.startswith("须为整数") and "'x'" in chinese
