"""Investment figures stated after the plan: refused when wildly above it unless confirmed."""

from __future__ import annotations

from decimal import Decimal

from shared.errors import FieldProblem, RuleViolation

OVER_PLAN_FACTOR = Decimal(2)
"""An accepted or audited investment above this multiple of the plan needs `confirm_over_plan`.

Not a programme rule (no plan states one): a guard against a typo (an extra zero) reaching the
award, so a platform constant; the plan figure is the approved plan's, else the one stated when
the project was opened.
"""


def check_over_plan(field: str, stated_fen: int, planned_fen: int, *, confirmed: bool) -> None:
    """Refuse `stated_fen` above OVER_PLAN_FACTOR × `planned_fen` unless the caller confirmed it.

    Raises:
        RuleViolation: rule `over_plan_needs_confirmation`, naming `field`.
    """
    if confirmed or stated_fen <= OVER_PLAN_FACTOR * planned_fen:
        return
    raise RuleViolation(
        f"{field} {stated_fen} fen is more than {OVER_PLAN_FACTOR}× the planned {planned_fen} fen",
        [
            FieldProblem(
                field,
                "over_plan_needs_confirmation",
                f"check the figure, or send confirm_over_plan: true (limit {OVER_PLAN_FACTOR}× the plan)",
            )
        ],
    )
