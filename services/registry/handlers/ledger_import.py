"""Spreadsheet import of the ledger: a job a district starts, run in the background, row by row
through the same registration as POST /communities.

`create_import` records the job (queued) for a file already read and its headings checked;
`run_import` validates every row (off the event loop), then writes: all rows in one transaction
(`all_or_nothing`, the default: nothing if any row is invalid) or the valid rows in chunks of
`CHUNK_ROWS`, each chunk one transaction (`valid_rows`). The job row is updated in the same
transactions, so its status and counts are what the database holds. A row whose natural key
(programme, district, name, address) is already in the ledger is not entered again: with the same
facts it is reported unchanged; with different facts it is a problem (a correction goes through
re-assessment or classification, never an overwrite). Imports of one district's ledger are
serialised (a PostgreSQL transaction advisory lock; SQLite's write lock serialises anyway), so two
uploads of one file cannot enter a community twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Dialect, Table, TypeDecorator, column, func, text
from sqlalchemy import table as table_clause
from sqlalchemy.sql.expression import TableClause
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.community_events import community_registered_from_row
from services.registry.domain.ledger_columns import LedgerColumn
from services.registry.domain.ledger_import import (
    Problem,
    RawSheet,
    Validation,
    ValidRow,
    natural_key,
    over_central_fund_list,
    same_facts,
    validate_rows,
)
from services.registry.domain.programmes import assess, programme, reasons
from services.registry.handlers.central_fund_lock import lock_central_fund_list
from services.registry.models.communities import Community, CommunityAssessment, CommunityCreate
from services.registry.models.ledger_import import (
    MAX_REPORTED,
    ImportFailure,
    ImportMode,
    ImportStatus,
    LedgerImport,
    LedgerImportPublic,
    ReportEntry,
)
from shared import audit
from shared.access import Principal, sees_district, visible_district, writes_district
from shared.audit import AuditEntry
from shared.bus.outbox import add_many_to_outbox
from shared.clock import Clock, shanghai_date, utcnow
from shared.context import causation_id_var, correlation_id_var
from shared.contracts.registry import CommunityRegistered
from shared.db import UnitOfWork
from shared.db.bulk import insert_rows
from shared.errors import Forbidden, NotFoundError
from shared.i18n.localise import rule_message

log = logging.getLogger(__name__)

CHUNK_ROWS = 1_000
"""Rows per transaction in `valid_rows` mode (progress is visible chunk by chunk)."""
STALE_AFTER = timedelta(minutes=10)
"""A queued or running job not touched for this long was interrupted (the service stopped)."""

Key = tuple[str, str, str, str]


def check_importer(actor: Principal, programme_code: str, district_code: str | None) -> str:
    """The district an import writes to, checked before the file is read.

    Args:
        actor: the caller.
        programme_code: the programme imported into.
        district_code: the district named, or None for the caller's own.

    Returns:
        The district code.

    Raises:
        RuleViolation: an unknown programme.
        Forbidden: the caller is not a district (or street office) of that district.
    """
    programme(programme_code)
    district = district_code or actor.district_code
    if district is None or not writes_district(actor, district):
        raise Forbidden("a district imports its own ledger only")
    return district


async def create_import(
    session: AsyncSession,
    actor: Principal,
    *,
    programme_code: str,
    district_code: str | None,
    mode: ImportMode,
    file_format: str,
    filename: str | None,
    sha256: str,
    now: datetime,
) -> LedgerImport:
    """Record a queued import of the caller's own district's ledger.

    Raises:
        RuleViolation: an unknown programme.
        Forbidden: the caller is not a district (or street office) of `district_code`.
    """
    district = check_importer(actor, programme_code, district_code)
    job = LedgerImport(
        programme_code=programme_code,
        district_code=district,
        mode=mode.value,
        file_format=file_format,
        filename=filename,
        file_sha256=sha256,
        status=ImportStatus.QUEUED.value,
        actor_subject=actor.subject,
        actor_org=actor.org_code,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    audit.record(
        session,
        actor,
        "ledger.import_started",
        "ledger_import",
        job.id,
        after={
            "programme_code": programme_code,
            "district_code": district,
            "mode": mode.value,
            "sha256": sha256,
        },
    )
    return job


async def run_import(
    unit_of_work: UnitOfWork,
    job_id: uuid.UUID,
    sheet: RawSheet,
    columns: list[LedgerColumn | None],
    actor: Principal,
    clock: Clock,
) -> None:
    """Validate and write an import job's rows; the job row records each stage.

    Never raises for a bad file or an unexpected error: the job is marked failed instead. A
    cancellation (the service stopping) marks it interrupted and is re-raised.
    """
    try:
        await _run(unit_of_work, job_id, sheet, columns, actor, clock)
    except asyncio.CancelledError:
        await asyncio.shield(_fail(unit_of_work, job_id, clock, "import_interrupted", "the service stopped"))
        raise
    except Exception:
        log.exception("ledger import %s failed", job_id)
        await _fail(
            unit_of_work, job_id, clock, "import_error", "the import failed; nothing more was written"
        )


async def _run(
    unit_of_work: UnitOfWork,
    job_id: uuid.UUID,
    sheet: RawSheet,
    columns: list[LedgerColumn | None],
    actor: Principal,
    clock: Clock,
) -> None:
    async with unit_of_work() as session:
        job = await _job(session, job_id)
        job.status = ImportStatus.RUNNING.value
        job.rows_read = len(sheet.rows)
        job.updated_at = clock.now()
        profile = programme(job.programme_code)
        district, mode = job.district_code, ImportMode(job.mode)
    validation = await asyncio.to_thread(validate_rows, sheet, columns, profile, district, actor)
    async with unit_of_work() as session:
        job = await _job(session, job_id)
        job.rows_valid = len(validation.valid)
        job.rows_invalid = len(validation.invalid_rows)
        _add_problems(job, validation.problems)
        job.updated_at = clock.now()
    if mode is ImportMode.ALL_OR_NOTHING:
        await _write_all(unit_of_work, job_id, validation, actor, clock)
        return
    for start in range(0, len(validation.valid), CHUNK_ROWS):
        await _write_chunk(unit_of_work, job_id, validation.valid[start : start + CHUNK_ROWS], actor, clock)
    async with unit_of_work() as session:
        job = await _job(session, job_id)
        _finish(job, clock.now(), None)


async def _write_all(
    unit_of_work: UnitOfWork, job_id: uuid.UUID, validation: Validation, actor: Principal, clock: Clock
) -> None:
    async with unit_of_work() as session:
        job = await _job(session, job_id)
        await _lock_ledger(session, job.programme_code, job.district_code)
        existing = await _existing(session, job.programme_code, job.district_code, None)
        new, unchanged, conflicts = _sort_rows(validation.valid, existing)
        new, over = await _within_central_fund_list(session, job.programme_code, new)
        conflicts += over
        if validation.problems or conflicts:
            _move_to_invalid(job, conflicts)
            invalid = job.rows_invalid
            _finish(
                job,
                clock.now(),
                ("invalid_rows", f"{invalid} rows are invalid; nothing was imported (mode all_or_nothing)"),
            )
            return
        now = clock.now()
        entries = _Entries(actor, now)
        for row in new:
            entries.add(row)
        job.rows_imported = await entries.insert(session)
        _add_unchanged(job, unchanged)
        _finish(job, now, None)


async def _write_chunk(
    unit_of_work: UnitOfWork, job_id: uuid.UUID, rows: Sequence[ValidRow], actor: Principal, clock: Clock
) -> None:
    async with unit_of_work() as session:
        job = await _job(session, job_id)
        await _lock_ledger(session, job.programme_code, job.district_code)
        existing = await _existing(
            session, job.programme_code, job.district_code, {r.fields["name"] for r in rows}
        )
        new, unchanged, conflicts = _sort_rows(rows, existing)
        new, over = await _within_central_fund_list(session, job.programme_code, new)
        conflicts += over
        now = clock.now()
        entries = _Entries(actor, now)
        for row in new:
            entries.add(row)
        job.rows_imported += await entries.insert(session)
        _add_unchanged(job, unchanged)
        _move_to_invalid(job, conflicts)
        job.updated_at = now


class _PreEncodedJSON(TypeDecorator[Any]):
    """A JSON column whose values arrive already encoded (str): encoded once per distinct value
    (an eligibility outcome is shared by thousands of rows) instead of once per row."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        """No processing: the value is the JSON text (the drivers send str to a JSON column)."""
        return None


def _bulk_table(table: Table) -> TableClause:
    """`table` for multi-row INSERTs of pre-encoded rows: its JSON columns take JSON text."""
    columns = [
        column(c.name, _PreEncodedJSON() if isinstance(c.type, JSON) else c.type)  # type: ignore[arg-type]
        for c in table.columns
    ]
    return table_clause(table.name, *columns)


_COMMUNITY = _bulk_table(Community.__table__)  # type: ignore[attr-defined]
_ASSESSMENT = _bulk_table(CommunityAssessment.__table__)  # type: ignore[attr-defined]
_AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Entries:
    """What registration adds for each new community (the community, its first assessment, the
    audit entry, the `CommunityRegistered` event; and the classification the row carries),
    gathered and inserted in bulk.

    The same rules as `communities.register_community`: the caller's own district, eligibility
    from `assess` with every reason from `reasons`, `community.registered` audited with the body
    and the outcome (with the row's tier and flags, when it sets any: entered classified). Built as rows
    for one multi-row INSERT per table instead of ORM objects: 20,000 registrations in seconds.
    The event's `registered_on` is the job's day in Asia/Shanghai.
    """

    def __init__(self, actor: Principal, now: datetime) -> None:
        self.actor = actor
        self.now = now
        self.registered_on = shanghai_date(now)
        self.communities: list[dict[str, Any]] = []
        self.assessments: list[dict[str, Any]] = []
        self.audit: list[dict[str, Any]] = []
        self.events: list[CommunityRegistered] = []
        self._outcomes: dict[tuple[str, str, int, tuple[str, ...]], tuple[bool, str]] = {}
        self._lists: dict[tuple[str, ...], str] = {}
        self._audit_base = {
            "at": utcnow(),
            "actor_subject": actor.subject,
            "actor_org": actor.org_code,
            "actor_kind": actor.org_kind.value,
            "action": "community.registered",
            "record_type": "community",
            "before": None,
            "request_id": correlation_id_var.get(),
            "causation_id": causation_id_var.get(),
        }

    def add(self, row: ValidRow) -> None:
        fields = row.fields
        if not writes_district(self.actor, fields["district_code"]):
            raise Forbidden("a district registers communities in its own district only")
        exclusions = tuple(fields["exclusions"])
        eligible, checks = self._outcome(fields, exclusions)
        encoded_exclusions = self._list(exclusions)
        community_id = uuid.uuid4()
        classification = row.classification
        self.communities.append(
            {
                **fields,
                **classification,
                "exclusions": encoded_exclusions,
                "id": community_id,
                "eligible": eligible,
                "eligibility": checks,
                "created_at": self.now,
                "updated_at": self.now,
            }
        )
        self.assessments.append(
            {
                "community_id": community_id,
                "built_year": fields["built_year"],
                "exclusions": encoded_exclusions,
                "eligible": eligible,
                "eligibility": checks,
                "note": None,
                "actor_org": self.actor.org_code,
                "assessed_at": self.now,
            }
        )
        registered = {**fields, "eligible": eligible}  # Decimal and UUID as JSON strings: default=str
        if classification != _UNCLASSIFIED:
            registered.update(classification)  # registered classified: one entry, not two
        self.audit.append(
            {
                **self._audit_base,
                "record_id": str(community_id),
                "after": json.dumps(registered, ensure_ascii=False, sort_keys=True, default=str),
            }
        )
        self.events.append(community_registered_from_row(self.communities[-1], self.registered_on))

    def _outcome(self, fields: dict[str, Any], exclusions: tuple[str, ...]) -> tuple[bool, str]:
        """Eligibility depends on these four facts only: assessed (and encoded) once per combination."""
        key = (fields["programme_code"], fields["district_code"], fields["built_year"], exclusions)
        if key not in self._outcomes:
            decision = assess(key[0], key[1], key[2], list(exclusions))
            self._outcomes[key] = (decision.eligible, _json(reasons(key[0], decision)))
        return self._outcomes[key]

    def _list(self, values: tuple[str, ...]) -> str:
        if values not in self._lists:
            self._lists[values] = _json(list(values))
        return self._lists[values]

    async def insert(self, session: AsyncSession) -> int:
        """Insert everything gathered (multi-row INSERTs per table, the events through the
        outbox in the same transaction); the number of communities."""
        connection = await session.connection()
        tables = ((_COMMUNITY, self.communities), (_ASSESSMENT, self.assessments), (_AUDIT, self.audit))
        for table, rows in tables:
            await insert_rows(connection, table, rows)
        await add_many_to_outbox(session, self.events)
        return len(self.communities)


_UNCLASSIFIED = {"tier": None, "demonstration": False, "centrally_funded": False}


def _sort_rows(
    rows: Sequence[ValidRow], existing: dict[Key, dict[str, Any]]
) -> tuple[list[ValidRow], list[int], list[Problem]]:
    """(new rows, unchanged row numbers, problems of rows the ledger holds with other facts)."""
    new: list[ValidRow] = []
    unchanged: list[int] = []
    conflicts: list[Problem] = []
    for row in rows:
        stored = existing.get(row.key)
        if stored is None:
            new.append(row)
            continue
        differing = same_facts(row, stored)
        if not differing:
            unchanged.append(row.row)
        else:
            conflicts.append(
                Problem(
                    row.row,
                    "名称",
                    "name",
                    "ledger_conflict",
                    f"already in the ledger with other {', '.join(differing)}: correct it there "
                    "(re-assessment or classification), not by import",
                )
            )
    return new, unchanged, conflicts


_FACT_FIELDS = (*CommunityCreate.model_fields, "tier", "demonstration", "centrally_funded")


async def _existing(
    session: AsyncSession, programme_code: str, district_code: str, names: set[str] | None
) -> dict[Key, dict[str, Any]]:
    """The facts of the district's communities in the programme (only `names`, when given)."""
    query = select(*[getattr(Community, f) for f in _FACT_FIELDS]).where(
        Community.programme_code == programme_code, Community.district_code == district_code
    )
    if names is not None:
        query = query.where(col(Community.name).in_(sorted(names)))
    found: dict[Key, dict[str, Any]] = {}
    for values in (await session.exec(query)).all():  # type: ignore[call-overload]
        facts = dict(zip(_FACT_FIELDS, values, strict=True))
        key = natural_key(programme_code, district_code, facts["name"], facts["address"])
        found.setdefault(key, facts)
    return found


async def _within_central_fund_list(
    session: AsyncSession, programme_code: str, new: list[ValidRow]
) -> tuple[list[ValidRow], list[Problem]]:
    """(the new rows the programme's central-fund list has room for, the problems of the others).

    The list is the programme's, across districts: its count is taken under a programme-wide
    advisory lock (PostgreSQL) held to the end of the transaction, so two districts importing at
    once cannot together overfill it.
    """
    if not any(r.classification["centrally_funded"] for r in new):
        return new, []
    await lock_central_fund_list(session, programme_code)  # the same lock as a single classification
    listed = (
        await session.exec(
            select(func.count()).where(
                Community.programme_code == programme_code, col(Community.centrally_funded)
            )
        )
    ).one()
    problems = over_central_fund_list(programme(programme_code), int(listed), new)
    refused = {p.row for p in problems}
    return [r for r in new if r.row not in refused], problems


async def _lock_ledger(session: AsyncSession, programme_code: str, district_code: str) -> None:
    """Serialise imports into one district's ledger until this transaction ends."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"ledger-import:{programme_code}:{district_code}"},
        )


async def _job(session: AsyncSession, job_id: uuid.UUID) -> LedgerImport:
    job = await session.get(LedgerImport, job_id, with_for_update=True, populate_existing=True)
    if job is None:
        raise NotFoundError(f"no ledger import {job_id}")
    return job


def _add_problems(job: LedgerImport, problems: Sequence[Problem]) -> None:
    job.problems_total += len(problems)
    room = MAX_REPORTED - len(job.report)
    if room > 0 and problems:
        ordered = sorted(problems, key=lambda p: p.row)
        job.report = [*job.report, *(p.as_json() for p in ordered[:room])]


def _add_unchanged(job: LedgerImport, rows: Sequence[int]) -> None:
    job.rows_unchanged += len(rows)
    room = MAX_REPORTED - len(job.unchanged)
    if room > 0 and rows:
        job.unchanged = [*job.unchanged, *rows[:room]]


def _move_to_invalid(job: LedgerImport, conflicts: Sequence[Problem]) -> None:
    job.rows_valid -= len(conflicts)
    job.rows_invalid += len(conflicts)
    _add_problems(job, conflicts)


def _finish(job: LedgerImport, now: datetime, failure: tuple[str, str] | None) -> None:
    job.status = (ImportStatus.FAILED if failure else ImportStatus.DONE).value
    job.failure = {"rule": failure[0], "message": failure[1]} if failure else None
    job.updated_at = now
    job.finished_at = now


async def _fail(unit_of_work: UnitOfWork, job_id: uuid.UUID, clock: Clock, rule: str, message: str) -> None:
    try:
        async with unit_of_work() as session:
            job = await _job(session, job_id)
            if job.status in (ImportStatus.QUEUED.value, ImportStatus.RUNNING.value):
                _finish(job, clock.now(), (rule, message))
    except Exception:
        log.exception("ledger import %s: could not record its failure", job_id)


async def get_import(
    session: AsyncSession, actor: Principal, job_id: uuid.UUID, *, language: str, now: datetime
) -> LedgerImportPublic:
    """An import job the caller may see (its district's, or any for the office), localised."""
    job = await session.get(LedgerImport, job_id)
    if job is None or not sees_district(actor, job.district_code):
        raise NotFoundError(f"no ledger import {job_id}")
    return present(job, language=language, now=now)


async def list_imports(
    session: AsyncSession, actor: Principal, *, limit: int, offset: int, language: str, now: datetime
) -> tuple[list[LedgerImportPublic], int]:
    """The import jobs the caller may see, newest first (id breaks ties); and their total."""
    query = select(LedgerImport)
    if (own := visible_district(actor)) is not None:
        query = query.where(LedgerImport.district_code == own)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    page = (
        query.order_by(col(LedgerImport.created_at).desc(), col(LedgerImport.id)).limit(limit).offset(offset)
    )
    jobs = (await session.exec(page)).all()
    return [present(j, language=language, now=now) for j in jobs], int(total)


def present(job: LedgerImport, *, language: str, now: datetime) -> LedgerImportPublic:
    """The job as the API shows it: messages in `language`; a job left running by a stopped
    service (untouched for `STALE_AFTER`) shows as failed, interrupted."""
    status, failure = job.status, job.failure
    live = (ImportStatus.QUEUED.value, ImportStatus.RUNNING.value)
    if status in live and now - job.updated_at > STALE_AFTER:
        status, failure = (
            ImportStatus.FAILED.value,
            {"rule": "import_interrupted", "message": "the service stopped"},
        )
    report = [
        ReportEntry(**{**entry, "message": rule_message(entry["rule"], language, entry["message"])})
        for entry in job.report
    ]
    return LedgerImportPublic(
        **job.model_dump(exclude={"status", "failure", "report"}),
        status=ImportStatus(status),
        report=report,
        failure=(
            ImportFailure(
                rule=failure["rule"], message=rule_message(failure["rule"], language, failure["message"])
            )
            if failure
            else None
        ),
    )
