"""Restatements (Kaifeng 七(七)): what later events changed in a published period, never applied to it."""

from __future__ import annotations

from services.reporting.domain.restatements import Change, changes


def test_change_is_now_minus_published() -> None:
    assert Change("410102", "done", published=7, now=10).change == 3
    assert Change("410102", "done", published=10, now=7).change == -3


def test_only_differing_figures_by_district_then_figure_order() -> None:
    published = {"410105": {"done": 3, "task": 9}, "410102": {"done": 5, "task": 10}}
    now = {"410105": {"done": 4, "task": 9}, "410102": {"done": 5, "task": 11}}
    assert changes(published, now, ["task", "done"]) == [
        Change("410102", "task", 10, 11),
        Change("410105", "done", 3, 4),
    ]
    assert changes(published, now, ["done", "task"]) == [
        Change("410102", "task", 10, 11),
        Change("410105", "done", 3, 4),
    ]


def test_figure_order_within_a_district_follows_the_request() -> None:
    published = {"410102": {"done": 1, "task": 1}}
    now = {"410102": {"done": 2, "task": 2}}
    assert [c.figure for c in changes(published, now, ["task", "done"])] == ["task", "done"]
    assert [c.figure for c in changes(published, now, iter(["done", "task"]))] == ["done", "task"]


def test_a_missing_district_or_figure_counts_as_zero() -> None:
    published = {"410102": {"done": 4}}
    now = {"410108": {"done": 2}}
    assert changes(published, now, ["done", "task"]) == [
        Change("410102", "done", 4, 0),
        Change("410108", "done", 0, 2),
    ]


def test_nothing_changed_is_an_empty_list_and_unasked_figures_are_ignored() -> None:
    same = {"410102": {"done": 4, "task": 9}}
    assert changes(same, {"410102": {"done": 4, "task": 10}}, ["done"]) == []
    assert changes({}, {}, ["done"]) == []


def test_values_are_whole_numbers() -> None:
    (change,) = changes({"410102": {"done": "4"}}, {"410102": {"done": 5.0}}, ["done"])  # type: ignore[dict-item]
    assert change == Change("410102", "done", 4, 5)
    assert type(change.published) is int
    assert type(change.now) is int
