"""Street-office projections: the ledger per street office and projects by step, as daily deltas.

Written the way `district_day` is (see `handlers/projections.py`): a unit of work's deltas are
merged per row in memory and added just before its commit with one `INSERT ... ON CONFLICT DO
UPDATE SET x = x + excluded.x`, atomic in the database, so two replicas never lose an increment
and a replay adds exactly what the live consumer added.

Only `ProjectRegistered` names a project's street office. It is remembered in `project_street`
(insert-once, never updated); a later step of the project is keyed by project id until the
commit, when one read of that directory resolves it to its office. A project the directory does
not know (registered before reporting kept it) counts under `NO_STREET_OFFICE`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from typing import Any

from pydantic_core import to_json
from sqlalchemy import bindparam, event, select, text, update
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.projections import STREET_FIGURES
from services.reporting.handlers.upserts import INSERTS, additive_upsert, json_additive_upsert
from services.reporting.models.streets import NO_STREET_OFFICE, STEP_DAYS, ProjectStreet, StreetDay

__all__ = [
    "add_office_delta",
    "add_project_delta",
    "note_step_day",
    "remember_project_office",
]

_PENDING = "reporting.pending_street_deltas"
_RESOLVE_CHUNK = 500
OFFICE_LENGTH = 200
"""The registry's bound on a street office's name; a longer one (no producer sends it) is cut, not
refused, so a project's district figures are never lost over its street office."""

# (programme, district, street office or None, project id or None, day): one of the two is set.
_Key = tuple[str, str, str | None, uuid.UUID | None, date]


class _Pending:
    """A transaction's street-level work: directory rows to write and deltas to add."""

    __slots__ = ("deltas", "directory", "step_days")

    def __init__(self) -> None:
        self.directory: dict[uuid.UUID, dict[str, Any]] = {}
        self.step_days: dict[str, dict[uuid.UUID, date]] = {}
        self.deltas: dict[_Key, tuple[dict[str, int], datetime]] = {}

    def add(self, key: _Key, amounts: Mapping[str, int], now: datetime) -> None:
        found, at = self.deltas.get(key, (dict.fromkeys(STREET_FIGURES, 0), now))
        for name, amount in amounts.items():
            found[name] += amount
        self.deltas[key] = (found, max(at, now))


def _pending(session: AsyncSession) -> _Pending:
    info = session.sync_session.info
    found = info.get(_PENDING)
    if found is None:
        found = info[_PENDING] = _Pending()
    return found  # type: ignore[no-any-return]


def _street_amounts(amounts: Mapping[str, int]) -> dict[str, int]:
    unknown = set(amounts) - set(STREET_FIGURES)
    if unknown:
        raise ValueError(f"not street-office figures: {sorted(unknown)}")
    return dict(amounts)


def add_office_delta(
    session: AsyncSession,
    programme_code: str,
    district_code: str,
    street_office: str | None,
    day: date,
    amounts: Mapping[str, int],
    now: datetime,
) -> None:
    """Add amounts to a street office's row of `day` when the unit of work commits.

    Args:
        session: the handler's unit of work.
        programme_code: the programme.
        district_code: the district.
        street_office: the office as the registry names it; None counts under `NO_STREET_OFFICE`.
        day: the day the change took effect.
        amounts: figures from `STREET_FIGURES` (already checked by `figure_delta`).
        now: the service clock, stored as `updated_at`.

    Raises:
        ValueError: a figure the street rows do not carry (a programming error).
    """
    office = (street_office or NO_STREET_OFFICE)[:OFFICE_LENGTH]
    key: _Key = (programme_code, district_code, office, None, day)
    _pending(session).add(key, _street_amounts(amounts), now)


def add_project_delta(
    session: AsyncSession,
    programme_code: str,
    district_code: str,
    project_id: uuid.UUID,
    day: date,
    amounts: Mapping[str, int],
    now: datetime,
) -> None:
    """Add amounts to the row of the project's street office (resolved at commit) for `day`.

    Args:
        session: the handler's unit of work.
        programme_code: the programme.
        district_code: the district the event names.
        project_id: the project whose office `project_street` knows.
        day: the day the step happened.
        amounts: figures from `STREET_FIGURES`.
        now: the service clock.

    Raises:
        ValueError: a figure the street rows do not carry.
    """
    key: _Key = (programme_code, district_code, None, project_id, day)
    pending = _pending(session)
    pending.add(key, _street_amounts(amounts), now)
    for figure in amounts:
        if figure in STEP_DAYS:
            pending.step_days.setdefault(STEP_DAYS[figure], {})[project_id] = day


def note_step_day(session: AsyncSession, project_id: uuid.UUID, column: str, day: date) -> None:
    """Set the day a project reached a step that adds to no street figure (the tender), at commit.

    Args:
        session: the handler's unit of work.
        project_id: the project.
        column: its `project_street` column (a value of `STEP_DAYS`).
        day: the day the step happened.

    Raises:
        ValueError: a column `STEP_DAYS` does not name.
    """
    if column not in STEP_DAYS.values():
        raise ValueError(f"not a step day: {column!r}")
    _pending(session).step_days.setdefault(column, {})[project_id] = day


def remember_project_office(
    session: AsyncSession,
    project_id: uuid.UUID,
    programme_code: str,
    district_code: str,
    street_office: str | None,
    name: str | None = None,
    registered_on: date | None = None,
) -> None:
    """Note a project's street office, written (once, first wins) just before the commit.

    Args:
        session: the handler's unit of work.
        project_id: the project.
        programme_code: its programme.
        district_code: its district.
        street_office: its community's street office, if the event names one.
        name: the project's name, for the drill-down to projects.
        registered_on: the day it counts as registered.
    """
    _pending(session).directory.setdefault(
        project_id,
        {
            "project_id": project_id,
            "programme_code": programme_code,
            "district_code": district_code,
            "street_office": (street_office or NO_STREET_OFFICE)[:OFFICE_LENGTH],
            "name": name[:200] if name else None,
            "registered_on": registered_on,
        },
    )


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    """Write the directory, resolve projects to offices, then add the merged rows atomically."""
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending is None:
        return
    dialect = session.get_bind().dialect.name
    if dialect not in INSERTS:
        raise RuntimeError(f"reporting projections need PostgreSQL or SQLite, not {dialect}")
    if pending.directory:
        session.execute(_directory_insert(dialect), [pending.directory[k] for k in sorted(pending.directory)])
    for column, days in sorted(pending.step_days.items()):
        rows = [{"pid": pid, "day": day} for pid, day in sorted(days.items())]
        if dialect == "postgresql":
            session.execute(_set_step_days_json(column), {"rows": _json_array(rows)})
        else:
            session.execute(_set_step_day(column), rows)
    offices = _resolve(session, pending)
    merged: dict[tuple[str, str, str, date], tuple[dict[str, int], datetime]] = {}
    for (programme, district, office, project_id, day), (amounts, at) in pending.deltas.items():
        resolved = office if project_id is None else offices.get(project_id, NO_STREET_OFFICE)
        key = (programme, district, resolved or NO_STREET_OFFICE, day)
        found, seen = merged.get(key, (dict.fromkeys(STREET_FIGURES, 0), at))
        for name, amount in amounts.items():
            found[name] += amount
        merged[key] = (found, max(seen, at))
    if not merged:
        return
    rows = [
        {
            "programme_code": k[0],
            "district_code": k[1],
            "street_office": k[2],
            "day": k[3],
            "updated_at": merged[k][1],
            **merged[k][0],
        }
        for k in sorted(merged)  # key order: replicas take row locks in the same order
    ]
    if dialect == "postgresql":
        session.execute(json_additive_upsert(StreetDay, STREET_FIGURES), {"rows": _json_array(rows)})
    else:
        session.execute(additive_upsert(dialect, StreetDay, STREET_FIGURES), rows)


def _json_array(rows: list[dict[str, Any]]) -> str:
    """Rows as one JSON array for a statement that reads ``:rows`` (ids as text, dates and
    instants in ISO 8601), written by pydantic-core in C."""
    return to_json(rows).decode()


def _resolve(session: Session, pending: _Pending) -> dict[uuid.UUID, str]:
    """The street office of every project the transaction's deltas name (one read per 500)."""
    wanted = sorted({key[3] for key in pending.deltas if key[3] is not None})
    found: dict[uuid.UUID, str] = {}
    t = ProjectStreet.__table__  # type: ignore[attr-defined]
    for start in range(0, len(wanted), _RESOLVE_CHUNK):
        chunk = wanted[start : start + _RESOLVE_CHUNK]
        query = select(t.c.project_id, t.c.street_office).where(t.c.project_id.in_(chunk))
        found.update({row[0]: row[1] for row in session.execute(query)})
    return found


@cache
def _directory_insert(dialect: str) -> Any:
    return INSERTS[dialect](ProjectStreet.__table__).on_conflict_do_nothing(index_elements=["project_id"])  # type: ignore[attr-defined]


@cache
def _set_step_day(column: str) -> Any:
    """Set one step's day on a project's directory row (a project the directory lacks: no row)."""
    table = ProjectStreet.__table__  # type: ignore[attr-defined]
    return update(table).where(table.c.project_id == bindparam("pid")).values({column: bindparam("day")})


@cache
def _set_step_days_json(column: str) -> Any:
    """PostgreSQL: one step's day for many projects in ONE statement, from one JSON parameter
    (``:rows``, objects of ``pid`` and ``day``), where an executemany of `_set_step_day` is a
    statement per project (a replay sets five days per project). Lock order does not matter here:
    a project's events share its key, so one partition, so one consumer at a time."""
    if column not in STEP_DAYS.values():
        raise ValueError(f"not a step day: {column!r}")
    return text(
        f"UPDATE project_street SET {column} = r.day"
        " FROM json_to_recordset(CAST(:rows AS json)) AS r(pid uuid, day date)"
        " WHERE project_street.project_id = r.pid"
    )


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: object) -> None:
    """A rolled-back transaction's street-level work is never written."""
    session.info.pop(_PENDING, None)
