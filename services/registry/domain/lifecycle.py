"""A project's lifecycle, read from its programme's profile: which action may come next.

The profile lists the plan's steps in order (`shared.policy.stage_codes`); this module knows only
which registry actions belong to which kind of step. A step with no action here (the survey that
precedes registration) is passed through. So Zhongyuan 2013 (no consultation, no plan; tender
first) and Kaifeng 2019 (approval, design review, cost review, tender) follow their own plans
without programme-specific code.

Within its step a project is at a *status* (the last thing that happened to it); an action is
allowed from a set of statuses. Entering a step is allowed from the status that completes the
previous step the project had to do. Two records are not steps: the final-accounts audit
(`audit_after` in the profile) and the ledger close-out (销号, where `closes_out_in_ledger`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared.errors import FieldProblem, InvalidState
from shared.policy import ProgrammeProfile, StageCode, audit_after, closes_out_in_ledger, stage_codes

__all__ = [
    "ACTIONS",
    "CLOSE_OUT",
    "FINAL_AUDIT",
    "Action",
    "Status",
    "allowed_actions",
    "check_allowed",
    "has_completed",
    "step_of",
]


class Status(StrEnum):
    """Where a project is within its step: the last thing that happened to it."""

    OPENED = "opened"
    CONSULTED = "consulted"
    PLAN_SUBMITTED = "plan_submitted"
    PLAN_APPROVED = "plan_approved"
    PROJECT_APPROVED = "project_approved"
    DESIGN_REVIEWED = "design_reviewed"
    COST_REVIEWED = "cost_reviewed"
    TENDER_AWARDED = "tender_awarded"
    CONSTRUCTION_STARTED = "construction_started"
    CONSTRUCTION_COMPLETED = "construction_completed"
    ACCEPTANCE_FAILED = "acceptance_failed"
    RECTIFIED = "rectified"
    ACCEPTED = "accepted"
    TAKEN_OVER = "taken_over"
    CLOSED = "closed"


ENTRY = "entry"
"""Stands for "the previous step is complete" among an action's allowed statuses."""

CLOSE_OUT = "close_out"
"""The ledger close-out (销号): after the last step, where the plan closes out its ledger entries."""

FINAL_AUDIT = "final-accounts-audit"
"""Recorded once after the profile's `audit_after` step; moves the project nowhere."""


@dataclass(frozen=True)
class Action:
    """One registry command on a project.

    Attributes:
        name: as listed in `allowed_actions` and as the last segment of the endpoint's path.
        step: the profile step it belongs to (or `CLOSE_OUT`).
        from_statuses: statuses it is allowed from; `ENTRY` stands for "the previous step is done".
        leads_to: the status afterwards, or None when the action records without moving on.
    """

    name: str
    step: str
    from_statuses: frozenset[str]
    leads_to: Status | None


def _action(name: str, step: str, sources: tuple[str, ...], leads_to: Status | None) -> Action:
    return Action(name, step, frozenset(sources), leads_to)


ACTIONS: tuple[Action, ...] = (
    # From `consulted` only where the profile states a consent threshold (`_another_round`).
    _action("residents-consultation", StageCode.CONSULTATION, (ENTRY, Status.CONSULTED), Status.CONSULTED),
    _action("plan-submission", StageCode.PLANNING, (ENTRY, Status.PLAN_SUBMITTED), Status.PLAN_SUBMITTED),
    _action("plan-approval", StageCode.PLANNING, (Status.PLAN_SUBMITTED,), Status.PLAN_APPROVED),
    _action("project-approval", StageCode.APPROVAL, (ENTRY,), Status.PROJECT_APPROVED),
    _action("design-review", StageCode.DESIGN_REVIEW, (ENTRY,), Status.DESIGN_REVIEWED),
    _action("cost-review", StageCode.COST_REVIEW, (ENTRY,), Status.COST_REVIEWED),
    _action("tender-award", StageCode.TENDER, (ENTRY,), Status.TENDER_AWARDED),
    _action("construction-start", StageCode.CONSTRUCTION, (ENTRY,), Status.CONSTRUCTION_STARTED),
    _action("progress-report", StageCode.CONSTRUCTION, (Status.CONSTRUCTION_STARTED,), None),
    _action(
        "construction-completion",
        StageCode.CONSTRUCTION,
        (Status.CONSTRUCTION_STARTED,),
        Status.CONSTRUCTION_COMPLETED,
    ),
    _action("acceptance", StageCode.ACCEPTANCE, (ENTRY, Status.RECTIFIED), Status.ACCEPTED),
    _action("acceptance-failure", StageCode.ACCEPTANCE, (ENTRY, Status.RECTIFIED), Status.ACCEPTANCE_FAILED),
    _action("rectification", StageCode.ACCEPTANCE, (Status.ACCEPTANCE_FAILED,), Status.RECTIFIED),
    _action("property-takeover", StageCode.PROPERTY_TAKEOVER, (ENTRY,), Status.TAKEN_OVER),
    _action("close-out", CLOSE_OUT, (ENTRY,), Status.CLOSED),
)
BY_NAME = {action.name: action for action in ACTIONS}

_COMPLETES: dict[str, Status] = {
    StageCode.CONSULTATION: Status.CONSULTED,
    StageCode.PLANNING: Status.PLAN_APPROVED,
    StageCode.APPROVAL: Status.PROJECT_APPROVED,
    StageCode.DESIGN_REVIEW: Status.DESIGN_REVIEWED,
    StageCode.COST_REVIEW: Status.COST_REVIEWED,
    StageCode.TENDER: Status.TENDER_AWARDED,
    StageCode.CONSTRUCTION: Status.CONSTRUCTION_COMPLETED,
    StageCode.ACCEPTANCE: Status.ACCEPTED,
    StageCode.PROPERTY_TAKEOVER: Status.TAKEN_OVER,
    CLOSE_OUT: Status.CLOSED,
}
"""The status that completes each step the registry acts on."""


def acted_steps(profile: ProgrammeProfile) -> tuple[str, ...]:
    """The profile's steps that have registry actions, in the plan's order (then close-out)."""
    steps: tuple[str, ...] = tuple(code.value for code in stage_codes(profile) if code.value in _COMPLETES)
    return (*steps, CLOSE_OUT) if closes_out_in_ledger(profile) else steps


def _rank(profile: ProgrammeProfile, status: Status) -> int:
    """0 for a new project, i+1 once the i-th acted step is complete (partial progress counts as i)."""
    if status is Status.OPENED:
        return 0
    steps = acted_steps(profile)
    step = step_of(profile, status)
    index = steps.index(step)
    return index + 1 if _COMPLETES[step] is status else index


def has_completed(profile: ProgrammeProfile, status: Status | str, step: str) -> bool:
    """Whether a project at `status` has completed `step` (False when the plan lacks the step)."""
    steps = acted_steps(profile)
    return step in steps and _rank(profile, Status(status)) > steps.index(step)


def _entry_status(profile: ProgrammeProfile, step: str) -> Status:
    steps = acted_steps(profile)
    index = steps.index(step)
    return _COMPLETES[steps[index - 1]] if index > 0 else Status.OPENED


def step_of(profile: ProgrammeProfile, status: Status | str) -> str:
    """The step a project at `status` is in (a new project is at the profile's first step)."""
    status = Status(status)
    if status is Status.OPENED:
        return stage_codes(profile)[0].value
    steps = acted_steps(profile)
    for action in ACTIONS:
        if action.leads_to is status and action.step in steps:
            return action.step
    raise ValueError(f"{profile.code}: status {status.value!r} is not reachable in this plan")


def _audit_open(profile: ProgrammeProfile, status: Status, *, audited: bool) -> bool:
    after = audit_after(profile)
    return (
        after is not None
        and not audited
        and status is not Status.CLOSED
        and has_completed(profile, status, after.value)
    )


_ALLOWED_MEMO_SIZE = 512
_allowed_memo: dict[tuple[int, str, bool], tuple[ProgrammeProfile, tuple[str, ...]]] = {}
"""`allowed_actions` answers by (id of the profile, status, audited). A profile is frozen, so its
answer never changes; the entry holds the profile itself, so its id cannot be reused by another
profile while the entry lives, and a hit is only taken when the stored profile *is* the one asked
about. Every read of a project asks this (GET /projects/{id} presents it), hence the memo."""


def allowed_actions(profile: ProgrammeProfile, status: Status | str, *, audited: bool) -> list[str]:
    """The actions a project at `status` may take now, in the plan's order.

    Args:
        profile: the project's programme profile.
        status: the project's current status.
        audited: whether its final-accounts audit is already recorded.

    Returns:
        Action names (a new list each call); the close-out waits for the audit where the plan
        has one.
    """
    status = Status(status)
    key = (id(profile), status.value, audited)
    hit = _allowed_memo.get(key)
    if hit is not None and hit[0] is profile:
        return list(hit[1])
    names = _allowed_actions(profile, status, audited=audited)
    if len(_allowed_memo) >= _ALLOWED_MEMO_SIZE:
        _allowed_memo.clear()
    _allowed_memo[key] = (profile, tuple(names))
    return names


def _allowed_actions(profile: ProgrammeProfile, status: Status, *, audited: bool) -> list[str]:
    names: list[str] = []
    for step in acted_steps(profile):
        for action in ACTIONS:
            if action.step != step:
                continue
            sources = {
                _entry_status(profile, step) if s == ENTRY else Status(s) for s in action.from_statuses
            }
            if status not in sources:
                continue
            if (
                action.leads_to is status
                and action.step == StageCode.CONSULTATION
                and not _another_round(profile)
            ):
                continue
            if action.step == CLOSE_OUT and audit_after(profile) is not None and not audited:
                continue
            names.append(action.name)
    if _audit_open(profile, status, audited=audited):
        names.append(FINAL_AUDIT)
    return names


def _another_round(profile: ProgrammeProfile) -> bool:
    """Whether a consultation round may follow another: only where the plan holds the plan
    submission to a consent threshold (#8 "Residents decide"), so a round that fell short can be
    followed by one that meets it; elsewhere a repeated consultation is out of order like any step."""
    stage = profile.lifecycle.stage(StageCode.CONSULTATION)
    return stage is not None and stage.consent is not None


def check_allowed(profile: ProgrammeProfile, status: Status | str, action: str, *, audited: bool) -> None:
    """Refuse an action the project's programme or current status does not allow.

    Raises:
        InvalidState: naming the current step and status and the actions allowed now (409).
    """
    allowed = allowed_actions(profile, status, audited=audited)
    if action in allowed:
        return
    status = Status(status)
    step = step_of(profile, status)
    in_plan = action == FINAL_AUDIT and audit_after(profile) is not None
    in_plan = in_plan or (action in BY_NAME and BY_NAME[action].step in acted_steps(profile))
    why = "now" if in_plan else f"under {profile.code}: the plan has no such step"
    listed = ", ".join(allowed) or "none"
    raise InvalidState(
        f"a project at step '{step}' ({status.value}) cannot take '{action}' {why}; allowed now: {listed}",
        current=step,
        allowed=allowed,
        errors=[FieldProblem("action", "lifecycle_order", f"allowed now: {listed}")],
    )
