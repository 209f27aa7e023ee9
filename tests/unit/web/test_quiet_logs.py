"""A normal start and an unexpected error are logged honestly: waits at INFO, each 500 once."""

from __future__ import annotations

import logging

import httpx
import pytest
from aiokafka.errors import GroupCoordinatorNotAvailableError, UnknownMemberIdError

from shared.observability.logs import ExpectedWaitFilter, quiet_expected_waits
from tests.unit.web.app_under_test import build

COORDINATOR = "aiokafka.consumer.group_coordinator"


@pytest.fixture(autouse=True)
def _quiet_waits() -> None:
    quiet_expected_waits()


def test_the_group_coordinator_wait_is_info_saying_what_is_awaited(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        # exactly what aiokafka logs while a fresh broker's group coordinator starts
        logging.getLogger(COORDINATOR).error(
            "Group Coordinator Request failed: %s", GroupCoordinatorNotAvailableError()
        )
    (record,) = [r for r in caplog.records if r.name == COORDINATOR]
    assert record.levelno == logging.INFO
    assert "waiting for the broker's group coordinator to start" in record.getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_kafka_error_that_is_not_a_wait_stays_an_error(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger(COORDINATOR).error("OffsetCommit failed: %s", UnknownMemberIdError())
    (record,) = [r for r in caplog.records if r.name == COORDINATOR]
    assert record.levelno == logging.ERROR


def test_the_filter_is_installed_once_however_often_logging_is_configured() -> None:
    quiet_expected_waits()
    quiet_expected_waits()
    filters = logging.getLogger(COORDINATOR).filters
    assert sum(isinstance(f, ExpectedWaitFilter) for f in filters) == 1


async def test_an_unexpected_error_is_logged_once_and_does_not_escape_to_the_server(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # ASGITransport re-raises whatever escapes the app, as uvicorn would log it a second time
    transport = httpx.ASGITransport(app=build(), raise_app_exceptions=True)
    with caplog.at_level(logging.INFO):
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/boom", headers={"X-Request-ID": "req-boom"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "GET /boom" in errors[0].getMessage() and errors[0].exc_info is not None
    access = [r.getMessage() for r in caplog.records if r.name == "shared.web.access"]
    assert access == [access[0]] and " 500 " in access[0]
