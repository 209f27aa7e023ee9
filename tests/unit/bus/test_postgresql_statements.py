"""The bus's PostgreSQL-only SQL, compiled with the PostgreSQL dialect (the fast tiers run SQLite).

The clauses asserted here carry the behaviour; the behaviour itself is proven on PostgreSQL by
tests/integration/test_replay_batches_postgres.py (`claim`:
`test_two_replicas_given_the_same_batches_at_once_count_each_event_once`) and
tests/integration/test_cluster_faults.py (the relay's lock and leases:
`test_a_relay_killed_after_the_commit_is_replaced_and_every_event_lands_once`).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import String
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

from shared.bus.inbox import AlreadyClaimed, _claim_statement, claim
from shared.bus.outbox import PARKED
from shared.bus.relay import OutboxRelay, relay_lock_key
from shared.clock import utcnow
from shared.db.types import UtcDateTime


def flat(sql: Any) -> str:
    return re.sub(r"\s+", " ", str(sql)).strip()


def test_the_inbox_claim_inserts_the_batch_from_one_json_array_and_returns_only_new_ids() -> None:
    compiled = _claim_statement(skip_handled=True).compile(dialect=postgresql.dialect())
    sql = flat(compiled)
    assert sql.startswith(
        "INSERT INTO inbox_message (consumer_group, event_id, event_type, handled_at) SELECT "
    )
    select_list = sql.split(" SELECT ", 1)[1].split(" FROM ", 1)[0]
    assert re.fullmatch(
        r"%\(consumer_group\)s(::VARCHAR)?( AS \w+)?, claimed\.event_id, claimed\.event_type,"
        r" %\(handled_at\)s(::TIMESTAMP WITH TIME ZONE)?( AS \w+)?",
        select_list,
    ), select_list
    assert re.search(
        r" FROM json_to_recordset\(CAST\(%\(events\)s(::VARCHAR)? AS JSON\)\)"
        r" AS claimed\(event_id VARCHAR, event_type VARCHAR\) ",
        sql,
    ), sql
    assert sql.endswith(" ON CONFLICT (consumer_group, event_id) DO NOTHING RETURNING inbox_message.event_id")
    types = {name: bind.type for name, bind in compiled.binds.items()}
    assert isinstance(types["events"], String)
    assert isinstance(types["consumer_group"], String)
    assert isinstance(types["handled_at"], UtcDateTime)


def test_a_claim_expecting_new_events_is_the_same_insert_without_the_conflict_clause() -> None:
    skipping = flat(_claim_statement(skip_handled=True).compile(dialect=postgresql.dialect()))
    plain = flat(_claim_statement(skip_handled=False).compile(dialect=postgresql.dialect()))
    assert " ON CONFLICT " not in plain and " RETURNING " not in plain
    assert (
        skipping
        == plain + " ON CONFLICT (consumer_group, event_id) DO NOTHING RETURNING inbox_message.event_id"
    )


@pytest.mark.parametrize(
    ("service", "first_eight_bytes"),
    [
        # `printf 'outbox-relay:registry' | sha256sum`, first 16 hex digits
        ("registry", 0xF1250F299EDF2A70),
        ("funding", 0x2874496B656D55E8),
    ],
)
def test_the_relay_lock_key_is_the_signed_first_eight_bytes_of_the_names_sha256(
    service: str, first_eight_bytes: int
) -> None:
    signed = first_eight_bytes - (1 << 64) if first_eight_bytes >= 1 << 63 else first_eight_bytes
    assert relay_lock_key(service) == signed
    assert -(1 << 63) <= relay_lock_key(service) < 1 << 63  # a PostgreSQL bigint


class PostgresSession:
    """Records what `_update_ids` executes, answering as a PostgreSQL session would."""

    class _Bind:
        class dialect:  # noqa: N801
            name = "postgresql"

    def __init__(self) -> None:
        self.executed: list[tuple[Any, Any]] = []

    def get_bind(self) -> Any:
        return self._Bind()

    async def exec(self, statement: Any, params: Any = None) -> None:
        self.executed.append((statement, params))


async def test_on_postgresql_a_batch_is_updated_by_one_array_parameter() -> None:
    session = PostgresSession()
    await OutboxRelay._update_ids(session, [3, 5, 8], state=PARKED)  # type: ignore[arg-type]
    await OutboxRelay._update_ids(session, [13], state=PARKED)  # type: ignore[arg-type]
    (statement, params), (again, one) = session.executed
    assert params == {"ids": "{3,5,8}", "p_state": PARKED}  # an array literal, cast in SQL
    assert one == {"ids": "{13}", "p_state": PARKED}
    assert again is statement  # built once, the values bound
    compiled = statement.compile(dialect=postgresql.dialect())
    assert re.fullmatch(
        r"UPDATE outbox_message SET state=%\(p_state\)s(::VARCHAR)?"
        r" WHERE outbox_message.id IN \(SELECT unnest\(CAST\(%\(ids\)s(::VARCHAR)? AS INTEGER\[\]\)\) AS \w+\)",
        flat(compiled),
    ), flat(compiled)


class ClaimingSession(PostgresSession):
    """A PostgreSQL session whose claim statement inserts every id but `known`."""

    def __init__(self, known: set[str]) -> None:
        super().__init__()
        self.known = known

    async def exec(self, statement: Any, params: Any = None) -> list[tuple[str]]:
        self.executed.append((statement, params))
        return [(e["event_id"],) for e in json.loads(params["events"]) if e["event_id"] not in self.known]


async def test_on_postgresql_claim_sends_the_batch_as_one_json_array_in_one_statement() -> None:
    session = ClaimingSession(known={"e2"})
    before = utcnow()
    claimed = await claim(session, "reporting", [("e1", "A"), ("e2", "B"), ("e1", "A")])  # type: ignore[arg-type]
    assert claimed == {"e1"}
    ((statement, params),) = session.executed
    assert flat(statement.compile(dialect=postgresql.dialect())) == flat(
        _claim_statement(skip_handled=True).compile(dialect=postgresql.dialect())
    )
    handled_at = params.pop("handled_at")
    events = json.loads(params.pop("events"))
    assert events == [{"event_id": "e1", "event_type": "A"}, {"event_id": "e2", "event_type": "B"}]
    assert params == {"consumer_group": "reporting"}
    assert before <= handled_at <= utcnow()


async def test_on_postgresql_a_claim_expecting_new_events_inserts_them_all_with_the_plain_insert() -> None:
    session = ClaimingSession(known=set())
    claimed = await claim(session, "reporting", [("e1", "A"), ("e2", "B"), ("e1", "A")], expect_new=True)  # type: ignore[arg-type]
    assert claimed == {"e1", "e2"}
    ((statement, params),) = session.executed
    assert flat(statement.compile(dialect=postgresql.dialect())) == flat(
        _claim_statement(skip_handled=False).compile(dialect=postgresql.dialect())
    )
    assert json.loads(params["events"]) == [
        {"event_id": "e1", "event_type": "A"},
        {"event_id": "e2", "event_type": "B"},
    ]


class ConflictingSession(PostgresSession):
    """A PostgreSQL session whose every statement fails as a primary-key conflict does."""

    async def exec(self, statement: Any, params: Any = None) -> list[tuple[str]]:
        self.executed.append((statement, params))
        raise IntegrityError("INSERT INTO inbox_message ...", params, Exception("duplicate key value"))


async def test_a_claim_expecting_new_events_that_meets_a_handled_one_says_so() -> None:
    with pytest.raises(AlreadyClaimed):
        await claim(ConflictingSession(), "reporting", [("e1", "A")], expect_new=True)  # type: ignore[arg-type]
