"""The Svix-like retry schedule: immediate, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, with jitter,
never sooner than the receiver's Retry-After."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from services.notification.domain.retry import (
    MAX_RETRY_AFTER_S,
    SVIX_SCHEDULE_S,
    disables_endpoint,
    max_attempts,
    next_delay_s,
    parse_retry_after,
)

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_the_default_schedule_is_svix_s() -> None:
    assert SVIX_SCHEDULE_S == (5, 300, 1800, 7200, 18000, 36000, 36000)
    assert max_attempts(SVIX_SCHEDULE_S) == 8


@pytest.mark.parametrize(("attempts", "base"), list(enumerate(SVIX_SCHEDULE_S, start=1)))
def test_without_jitter_each_delay_is_the_schedule_s(attempts: int, base: float) -> None:
    assert next_delay_s(attempts, SVIX_SCHEDULE_S, jitter=0.0) == base


def test_after_the_last_scheduled_attempt_there_is_none() -> None:
    assert next_delay_s(len(SVIX_SCHEDULE_S) + 1, SVIX_SCHEDULE_S) is None
    assert next_delay_s(0, SVIX_SCHEDULE_S) is None


def test_jitter_spreads_delays_within_the_bound() -> None:
    delays = {next_delay_s(2, SVIX_SCHEDULE_S, jitter=0.2, rng=random.Random(seed)) for seed in range(50)}
    assert len(delays) > 10
    assert all(d is not None and 240 <= d <= 360 for d in delays)


def test_retry_after_is_never_undercut_and_is_capped_at_a_day() -> None:
    assert next_delay_s(1, SVIX_SCHEDULE_S, jitter=0.0, retry_after_s=120) == 120
    assert next_delay_s(3, SVIX_SCHEDULE_S, jitter=0.0, retry_after_s=120) == 1800
    assert next_delay_s(1, SVIX_SCHEDULE_S, jitter=0.0, retry_after_s=10**9) == MAX_RETRY_AFTER_S


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("Fri, 20 Nov 2026 02:01:00 GMT", 60.0),
        ("Fri, 20 Nov 2026 01:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("-5", None),
        ("99999999999", MAX_RETRY_AFTER_S),
    ],
)
def test_retry_after_is_read_as_seconds_or_a_date(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, NOW) == seconds


@pytest.mark.parametrize(("status", "disables"), [(410, True), (404, False), (500, False), (None, False)])
def test_only_gone_disables_an_endpoint(status: int | None, disables: bool) -> None:
    assert disables_endpoint(status) is disables
