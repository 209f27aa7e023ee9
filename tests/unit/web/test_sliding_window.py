"""The in-memory sliding window counter behind the rate limits: its allowance, the weight of the
previous window, Retry-After that is neither early nor late, and a bounded table."""

from __future__ import annotations

import pytest

from shared.web.rate_limit import SlidingWindowCounter


class Clock:
    def __init__(self, at: float = 600.0) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


def test_allows_the_limit_in_a_window_then_refuses_without_counting_refusals() -> None:
    clock = Clock()
    counter = SlidingWindowCounter(3, 60, clock)
    assert [counter.hit("a") for _ in range(5)] == [True, True, True, False, False]
    assert counter.hit("b")  # another key keeps its own allowance
    clock.at += 120  # two windows later nothing of it is left
    assert [counter.hit("a") for _ in range(4)] == [True, True, True, False]


def test_the_previous_window_counts_by_how_much_of_it_the_sliding_window_still_covers() -> None:
    clock = Clock(600.0)  # the start of a window
    counter = SlidingWindowCounter(10, 60, clock)
    assert all(counter.hit("a") for _ in range(10))
    clock.at = 660.0  # next window: the previous 10 still count fully
    assert not counter.hit("a")
    clock.at = 690.0  # half-way: they count as 5, so 5 more fit
    assert [counter.hit("a") for _ in range(6)] == [True] * 5 + [False]


def test_test_answers_without_counting() -> None:
    counter = SlidingWindowCounter(1, 60, Clock())
    assert counter.test("a") and counter.test("a")
    assert counter.hit("a")
    assert not counter.test("a")


@pytest.mark.parametrize("hits", [3, 5, 8])
@pytest.mark.parametrize("start", [600.0, 615.0, 659.0])
def test_retry_after_is_when_the_next_hit_is_allowed_again(hits: int, start: float) -> None:
    clock = Clock(start)
    counter = SlidingWindowCounter(3, 60, clock)
    for _ in range(hits):
        counter.hit("a")
    wait = counter.retry_after("a")
    assert wait > 0 and not counter.test("a")
    clock.at = start + wait - 0.5
    assert not counter.test("a")  # not early
    clock.at = start + wait + 1e-6
    assert counter.test("a")  # and not late


def test_retry_after_is_zero_when_a_hit_is_allowed() -> None:
    counter = SlidingWindowCounter(3, 60, Clock())
    counter.hit("a")
    assert counter.retry_after("a") == 0.0


def test_the_table_is_swept_of_stale_keys_and_stays_bounded() -> None:
    clock = Clock()
    counter = SlidingWindowCounter(5, 60, clock, max_keys=10)
    for i in range(10):
        counter.hit(f"old-{i}")
    clock.at += 180
    for i in range(25):
        counter.hit(f"new-{i}")
    assert len(counter) <= 10
    assert not any(key.startswith("old-") for key in counter._keys)
