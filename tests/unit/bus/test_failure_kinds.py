"""Which failures the consumer waits out and which end in the dead-letter topic.

A database or broker outage is retried without limit and never dead-lettered; the handler's own
refusals are dead-lettered at once; anything else is retried a bounded number of times.
PostgreSQL drivers name the cause of an error by SQLSTATE: asyncpg as ``sqlstate``, psycopg as
``pgcode``; a serialisation failure (40001) or a deadlock (40P01) is transient by definition.
"""

from __future__ import annotations

import pytest
from sqlalchemy import exc as sa_exc

from shared.bus.errors import PermanentError
from shared.bus.failures import FailureKind, classify
from shared.errors import DomainError


class DriverError(Exception):
    """A DB-API driver's exception, with whichever SQLSTATE attribute that driver sets."""

    def __init__(self, **attributes: str) -> None:
        super().__init__("driver says no")
        for name, value in attributes.items():
            setattr(self, name, value)


def _db_error(
    orig: Exception, *, kind: type[sa_exc.DBAPIError] = sa_exc.DBAPIError, invalidated: bool = False
) -> sa_exc.DBAPIError:
    return kind("UPDATE award SET ...", {}, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize("code", ["40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300"])
def test_a_transient_sqlstate_named_by_asyncpg_is_an_outage(code: str) -> None:
    assert classify(_db_error(DriverError(sqlstate=code))) is FailureKind.INFRASTRUCTURE


@pytest.mark.parametrize("code", ["40001", "40P01"])
def test_a_transient_sqlstate_named_by_psycopg_is_an_outage(code: str) -> None:
    assert classify(_db_error(DriverError(pgcode=code))) is FailureKind.INFRASTRUCTURE


def test_an_empty_sqlstate_falls_back_to_the_pgcode() -> None:
    assert classify(_db_error(DriverError(sqlstate="", pgcode="40P01"))) is FailureKind.INFRASTRUCTURE


def test_a_constraint_violation_is_the_events_fault_and_retried_a_bounded_number_of_times() -> None:
    unique_violation = _db_error(DriverError(sqlstate="23505"), kind=sa_exc.IntegrityError)
    assert classify(unique_violation) is FailureKind.RETRYABLE


def test_a_database_error_without_any_sqlstate_is_retryable() -> None:
    assert classify(_db_error(DriverError(), kind=sa_exc.IntegrityError)) is FailureKind.RETRYABLE


def test_a_lost_connection_is_an_outage_whatever_the_error_class() -> None:
    lost = _db_error(DriverError(sqlstate="23505"), kind=sa_exc.IntegrityError, invalidated=True)
    assert classify(lost) is FailureKind.INFRASTRUCTURE
    assert classify(_db_error(DriverError(), invalidated=True)) is FailureKind.INFRASTRUCTURE


@pytest.mark.parametrize("kind", [sa_exc.OperationalError, sa_exc.InterfaceError])
def test_operational_and_interface_errors_are_outages(kind: type[sa_exc.DBAPIError]) -> None:
    assert classify(_db_error(DriverError(), kind=kind)) is FailureKind.INFRASTRUCTURE


@pytest.mark.parametrize(
    "error",
    [
        sa_exc.TimeoutError("QueuePool limit reached"),
        sa_exc.DisconnectionError("gone"),
        ConnectionRefusedError("refused"),
        TimeoutError("slow"),
        OSError("network unreachable"),
    ],
)
def test_pool_timeouts_and_network_errors_are_outages(error: Exception) -> None:
    assert classify(error) is FailureKind.INFRASTRUCTURE


@pytest.mark.parametrize("error", [PermanentError("no such project"), DomainError("rejected")])
def test_refusals_are_permanent(error: Exception) -> None:
    assert classify(error) is FailureKind.PERMANENT


def test_a_handlers_own_bug_is_retryable() -> None:
    assert classify(KeyError("missing")) is FailureKind.RETRYABLE
