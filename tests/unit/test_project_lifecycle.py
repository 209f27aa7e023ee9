"""The project lifecycle: one stage at a time, no skipping, no going back; acceptance has a date."""

from __future__ import annotations

from datetime import date

import pytest

from services.registry.domain import LIFECYCLE, Stage, check_transition, next_stage
from shared.errors import ConflictError, RuleViolation
from shared.web.problems import problem_kind

ORDER = [
    "surveyed",
    "consulted",
    "planned",
    "under_construction",
    "accepted",
    "taken_over",
    "closed_out",
]
ACCEPTED_ON = date(2024, 6, 30)
MOVES = list(zip(ORDER, ORDER[1:], strict=False))


def test_the_stages_follow_the_zhengzhou_plan_in_order() -> None:
    assert [stage.value for stage in LIFECYCLE] == ORDER


@pytest.mark.parametrize(("current", "following"), MOVES)
def test_next_stage_is_the_one_after(current: str, following: str) -> None:
    assert next_stage(Stage(current)) == Stage(following)


def test_closed_out_has_no_next_stage() -> None:
    assert next_stage(Stage.CLOSED_OUT) is None


@pytest.mark.parametrize(("current", "following"), MOVES)
def test_moving_one_stage_on_is_allowed(current: str, following: str) -> None:
    check_transition(Stage(current), Stage(following), ACCEPTED_ON)


@pytest.mark.parametrize(("current", "following"), [m for m in MOVES if m[1] != "accepted"])
def test_only_acceptance_needs_a_date(current: str, following: str) -> None:
    check_transition(Stage(current), Stage(following), None)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("surveyed", "planned"),
        ("surveyed", "closed_out"),
        ("planned", "accepted"),
        ("under_construction", "taken_over"),
    ],
)
def test_skipping_a_stage_is_a_conflict(current: str, target: str) -> None:
    with pytest.raises(ConflictError) as caught:
        check_transition(Stage(current), Stage(target), ACCEPTED_ON)
    error = caught.value
    assert problem_kind(error).status == 409
    assert [(p.field, p.rule) for p in error.errors] == [("to_stage", "lifecycle_order")]


def test_the_conflict_names_the_stage_that_is_allowed_next() -> None:
    with pytest.raises(ConflictError) as caught:
        check_transition(Stage.SURVEYED, Stage.PLANNED, None)
    assert caught.value.detail == (
        "a project in stage 'surveyed' cannot move to 'planned'; next allowed: consulted"
    )
    assert caught.value.errors[0].message == "expected 'consulted'"


@pytest.mark.parametrize(
    ("current", "target"),
    [("consulted", "surveyed"), ("accepted", "under_construction"), ("closed_out", "surveyed")],
)
def test_going_back_is_a_conflict(current: str, target: str) -> None:
    with pytest.raises(ConflictError):
        check_transition(Stage(current), Stage(target), ACCEPTED_ON)


@pytest.mark.parametrize("stage", ORDER)
def test_staying_in_the_same_stage_is_a_conflict(stage: str) -> None:
    with pytest.raises(ConflictError):
        check_transition(Stage(stage), Stage(stage), ACCEPTED_ON)


@pytest.mark.parametrize("target", ORDER)
def test_closed_out_is_final(target: str) -> None:
    with pytest.raises(ConflictError, match=r"next allowed: none \(closed out\)"):
        check_transition(Stage.CLOSED_OUT, Stage(target), ACCEPTED_ON)


def test_acceptance_without_its_date_is_a_rule_violation() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_transition(Stage.UNDER_CONSTRUCTION, Stage.ACCEPTED, None)
    error = caught.value
    assert problem_kind(error).status == 422
    assert [(p.field, p.rule) for p in error.errors] == [("effective_on", "required_for_acceptance")]


def test_acceptance_with_its_date_is_allowed() -> None:
    check_transition(Stage.UNDER_CONSTRUCTION, Stage.ACCEPTED, date(2024, 6, 30))


def test_an_out_of_order_acceptance_is_refused_as_a_conflict_before_the_missing_date() -> None:
    with pytest.raises(ConflictError):
        check_transition(Stage.PLANNED, Stage.ACCEPTED, None)
