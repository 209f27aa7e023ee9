"""Delivery-log status lines: a short line, never the receiver's words."""

from __future__ import annotations

import pytest

from services.notification.domain.attempts import (
    MAX_STATUS_LINE,
    AttemptResult,
    http_status_line,
    refused_line,
)


@pytest.mark.parametrize("status", [300, 301, 302, 307, 308, 399])
def test_a_redirect_says_it_was_not_followed(status: int) -> None:
    assert http_status_line(status) == f"HTTP {status} (redirect not followed)"


@pytest.mark.parametrize("status", [200, 299, 400, 404, 429, 500, 503])
def test_other_statuses_are_plain(status: int) -> None:
    assert http_status_line(status) == f"HTTP {status}"


def test_refused_line_names_the_rule() -> None:
    assert refused_line("private_address") == "refused: private_address"


def test_refused_line_is_cut_at_eighty_characters() -> None:
    assert MAX_STATUS_LINE == 80
    line = refused_line("x" * 200)
    assert len(line) == 80
    assert line == "refused: " + "x" * 71
    exact = "y" * 71
    assert refused_line(exact) == "refused: " + exact


def test_attempt_result_defaults() -> None:
    result = AttemptResult(status=500, status_line="HTTP 500")
    assert result.retry_after_s is None
    assert result.sent is True
    assert result.latency_ms == 0
    assert result.outcome is None
