"""Edges of the webhook retry rules: 300 is a redirect, the default jitter is ±20 %, the caller's
random source is the one used, and a delay is never negative."""

from __future__ import annotations

import random

import pytest

from services.notification.domain.retry import SVIX_SCHEDULE_S, Outcome, classify, next_delay_s


class Extremes(random.Random):
    """Always draws one end of the range, so a jittered delay is known exactly."""

    def __init__(self, upper: bool) -> None:
        super().__init__(0)
        self.upper = upper

    def uniform(self, a: float, b: float) -> float:
        return b if self.upper else a


class NoDraws(random.Random):
    def uniform(self, a: float, b: float) -> float:
        raise AssertionError("no jitter asked, yet a random number was drawn")


@pytest.mark.parametrize("status", [300, 399])
def test_the_whole_3xx_range_is_a_failed_delivery(status: int) -> None:
    assert classify(status) is Outcome.FAILED


def test_the_default_jitter_spreads_a_delay_by_at_most_a_fifth() -> None:
    # 2nd delay 5 min = 300 s: ±20 % is 240 s … 360 s.
    assert next_delay_s(2, SVIX_SCHEDULE_S, rng=Extremes(upper=True)) == 360.0
    assert next_delay_s(2, SVIX_SCHEDULE_S, rng=Extremes(upper=False)) == 240.0


def test_the_caller_s_random_source_decides_the_spread() -> None:
    # 1st delay 5 s with ±50 %: 2.5 s … 7.5 s.
    assert next_delay_s(1, SVIX_SCHEDULE_S, jitter=0.5, rng=Extremes(upper=True)) == 7.5
    assert next_delay_s(1, SVIX_SCHEDULE_S, jitter=0.5, rng=Extremes(upper=False)) == 2.5
    seeded = [next_delay_s(3, SVIX_SCHEDULE_S, rng=random.Random(7)) for _ in range(3)]
    assert len(set(seeded)) == 1


def test_without_jitter_no_random_number_is_drawn() -> None:
    assert next_delay_s(4, SVIX_SCHEDULE_S, jitter=0.0, rng=NoDraws()) == 7200.0


def test_a_sub_second_delay_is_kept_and_a_negative_one_is_zero() -> None:
    assert next_delay_s(1, (0.5,), jitter=0.0) == 0.5
    assert next_delay_s(1, (0.0,), jitter=0.0) == 0.0
    assert next_delay_s(1, (-3.0,), jitter=0.0) == 0.0
