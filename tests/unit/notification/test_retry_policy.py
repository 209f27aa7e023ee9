"""Webhook delivery outcomes: retry network errors, 5xx and 429; fail other 4xx; capped backoff."""

from __future__ import annotations

import pytest

from services.notification.domain.retry import Outcome, after_attempt, backoff_s, classify


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_a_2xx_response_is_delivered(status: int) -> None:
    assert classify(status) is Outcome.DELIVERED


def test_no_response_at_all_is_retried() -> None:
    assert classify(None) is Outcome.RETRY


@pytest.mark.parametrize("status", [500, 502, 503, 504, 599])
def test_a_server_error_is_retried(status: int) -> None:
    assert classify(status) is Outcome.RETRY


def test_too_many_requests_is_retried() -> None:
    assert classify(429) is Outcome.RETRY


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 413, 422])
def test_any_other_client_error_fails_at_once(status: int) -> None:
    assert classify(status) is Outcome.FAILED


@pytest.mark.parametrize("status", [301, 302, 304])
def test_a_redirect_is_not_a_delivery(status: int) -> None:
    assert classify(status) is Outcome.FAILED


class TestAfterAttempt:
    def test_a_retryable_failure_before_the_last_attempt_is_retried(self) -> None:
        assert after_attempt(503, attempts=5, max_attempts=6) is Outcome.RETRY

    @pytest.mark.parametrize("status", [None, 429, 503])
    def test_a_retryable_failure_on_the_last_attempt_fails(self, status: int | None) -> None:
        assert after_attempt(status, attempts=6, max_attempts=6) is Outcome.FAILED

    def test_attempts_beyond_the_maximum_fail_too(self) -> None:
        assert after_attempt(None, attempts=7, max_attempts=6) is Outcome.FAILED

    def test_a_success_on_the_last_attempt_is_delivered(self) -> None:
        assert after_attempt(200, attempts=6, max_attempts=6) is Outcome.DELIVERED

    def test_a_client_error_on_the_first_attempt_fails(self) -> None:
        assert after_attempt(404, attempts=1, max_attempts=6) is Outcome.FAILED


class TestBackoff:
    @pytest.mark.parametrize(("attempts", "seconds"), [(1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0), (5, 32.0)])
    def test_doubles_after_each_attempt(self, attempts: int, seconds: float) -> None:
        assert backoff_s(attempts, base_s=2.0) == seconds

    def test_before_any_attempt_it_is_the_base(self) -> None:
        assert backoff_s(0, base_s=2.0) == 2.0

    def test_is_capped(self) -> None:
        assert backoff_s(9, base_s=2.0, cap_s=600.0) == 512.0
        assert backoff_s(10, base_s=2.0, cap_s=600.0) == 600.0
        assert backoff_s(64, base_s=2.0, cap_s=600.0) == 600.0

    def test_the_default_cap_is_ten_minutes(self) -> None:
        assert backoff_s(30, base_s=1.0) == 600.0

    def test_a_custom_cap_applies(self) -> None:
        assert backoff_s(4, base_s=1.0, cap_s=5.0) == 5.0
