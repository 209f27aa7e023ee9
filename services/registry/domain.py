"""The project lifecycle as pure rules: which stage may follow which, and what each move announces.

Stages follow the Zhengzhou 2019 plan (survey → consultation → plan → construction → acceptance →
property takeover → close-out); a project moves one stage at a time, never backwards.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from shared.errors import ConflictError, FieldProblem, RuleViolation


class Stage(StrEnum):
    SURVEYED = "surveyed"
    CONSULTED = "consulted"
    PLANNED = "planned"
    UNDER_CONSTRUCTION = "under_construction"
    ACCEPTED = "accepted"
    TAKEN_OVER = "taken_over"
    CLOSED_OUT = "closed_out"


LIFECYCLE: tuple[Stage, ...] = tuple(Stage)


def next_stage(current: Stage) -> Stage | None:
    """The one stage that may follow `current`, or None once the project is closed out."""
    index = LIFECYCLE.index(current)
    return LIFECYCLE[index + 1] if index + 1 < len(LIFECYCLE) else None


def check_transition(current: Stage, target: Stage, effective_on: date | None) -> None:
    """Refuse a move that skips, repeats or reverses a stage, or an acceptance without its date.

    Raises:
        ConflictError: the project's current stage does not allow `target` next.
        RuleViolation: acceptance without `effective_on` (the acceptance date).
    """
    expected = next_stage(current)
    if target != expected:
        allowed = expected.value if expected else "none (closed out)"
        raise ConflictError(
            f"a project in stage '{current}' cannot move to '{target}'; next allowed: {allowed}",
            [FieldProblem("to_stage", "lifecycle_order", f"expected '{allowed}'")],
        )
    if target == Stage.ACCEPTED and effective_on is None:
        raise RuleViolation(
            "acceptance needs the date the acceptance was signed",
            [FieldProblem("effective_on", "required_for_acceptance", "give the acceptance date")],
        )
