"""Utilities' pipeline work in a project: what may be assigned, started and completed, and when.

The plans make the utility companies (专业经营单位) do the work on their own lines inside the
renovation (Kaifeng 七(三), Zhengzhou 2019 五(二) and 六); the district coordinates it. The item
comes from the project's approved plan where it has one, else from the programme's catalogue;
where the catalogue names the companies responsible for the item (`responsible_utilities`), the
company must be one of them. Open work holds up the completion of construction until it is done
or the district exempts it with a reason. Every function here is pure: the handler loads, these
decide.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from services.registry.domain.dates import check_step_date
from services.registry.domain.lifecycle import Status, allowed_actions, step_of
from shared.clock import shanghai_date
from shared.errors import FieldProblem, InvalidState, RuleViolation
from shared.policy import ProgrammeProfile, UnknownItemError, catalogue_item, responsible_utilities

__all__ = [
    "EXEMPTION_ACTION",
    "WORK_ACTIONS",
    "OpenWork",
    "actions_while_work_open",
    "check_assignment",
    "check_completion",
    "check_exempted",
    "check_project_open",
    "check_start",
    "open_works_block_completion",
    "project_closed",
    "WorkStatus",
]


class WorkStatus(StrEnum):
    """Where a pipeline work is: assigned, then started, then completed (each once)."""

    ASSIGNED = "assigned"
    STARTED = "started"
    COMPLETED = "completed"


WORK_ACTIONS: dict[WorkStatus, tuple[str, ...]] = {
    WorkStatus.ASSIGNED: ("start",),
    WorkStatus.STARTED: ("completion",),
    WorkStatus.COMPLETED: (),
}
"""What a utility may post next on a work in each status (the last segment of the endpoint)."""

EXEMPTION_ACTION = "pipeline-exemptions"
"""The endpoint that lets construction complete while pipeline work is open."""


COMPLETION_ACTION = "construction-completion"
"""The lifecycle action open pipeline work holds up."""


def actions_while_work_open(allowed: Sequence[str]) -> list[str]:
    """The actions a project may take while its pipeline work is open and not exempted.

    Construction cannot be completed then (the command refuses it), so it is not offered; the
    exemption that would let it complete is offered in its place. What a project lists and what
    its commands refuse come from this one function.

    Args:
        allowed: the actions its lifecycle allows at its status (`allowed_actions`).

    Returns:
        `allowed` without construction completion and with the exemption, where completion was
        allowed; else `allowed` unchanged.
    """
    if COMPLETION_ACTION not in allowed:
        return list(allowed)
    return [*(a for a in allowed if a != COMPLETION_ACTION), EXEMPTION_ACTION]


@dataclass(frozen=True)
class OpenWork:
    """A pipeline work that still holds up construction: not completed and not exempted."""

    work_id: str
    item_code: str
    utility_code: str
    status: str


def project_closed(profile: ProgrammeProfile, status: str, *, audited: bool) -> bool:
    """Whether the project's lifecycle is over: closed out (销号), or no step is left to take.

    Args:
        profile: the project's programme.
        status: the project's status.
        audited: whether its final-accounts audit is recorded.

    Returns:
        True when nothing may change in the project any more.
    """
    return status == Status.CLOSED or not allowed_actions(profile, status, audited=audited)


def check_project_open(profile: ProgrammeProfile, status: str, *, audited: bool, action: str) -> None:
    """Refuse pipeline work on a closed project.

    Raises:
        InvalidState: naming the project's step and the rule `project_closed` (409).
    """
    if project_closed(profile, status, audited=audited):
        raise InvalidState(
            f"the project is closed ({status}): pipeline work cannot take '{action}'",
            current=step_of(profile, status),
            allowed=[],
            errors=[FieldProblem("project_id", "project_closed", f"the project is {status}")],
        )


def check_assignment(
    profile: ProgrammeProfile,
    *,
    plan_items: Collection[str],
    item_code: str,
    utility_code: str,
    utility_in_directory: bool,
    planned_start_on: date,
    planned_end_on: date,
) -> None:
    """Refuse an item outside the plan (or catalogue), a company that is not the item's, bad dates.

    Args:
        profile: the project's programme.
        plan_items: the item codes of the project's approved plan (empty when it has none).
        item_code: the item the work belongs to.
        utility_code: the company assigned.
        utility_in_directory: whether the directory has an organisation of kind utility so coded.
        planned_start_on: the planned start.
        planned_end_on: the planned end.

    Raises:
        RuleViolation: naming each field at fault (`catalogue_item`, `planned_item`,
            `utility_company`, `responsible_utility`, `planned_end_not_before_start`).
    """
    problems: list[FieldProblem] = []
    responsible: tuple[str, ...] = ()
    try:
        responsible = responsible_utilities(profile, catalogue_item(profile, item_code))
    except UnknownItemError:
        problems.append(
            FieldProblem("item_code", "catalogue_item", f"{profile.code} has no item {item_code!r}")
        )
    else:
        if plan_items and item_code not in plan_items:
            problems.append(
                FieldProblem("item_code", "planned_item", f"planned: {', '.join(sorted(plan_items))}")
            )
    if not utility_in_directory:
        problems.append(
            FieldProblem("utility_code", "utility_company", f"no utility company {utility_code!r}")
        )
    elif responsible and utility_code not in responsible:
        clause = catalogue_item(profile, item_code).cited_responsibility
        problems.append(
            FieldProblem(
                "utility_code",
                "responsible_utility",
                f"{item_code}: {', '.join(responsible)} ({profile.code} {clause})",
            )
        )
    if planned_end_on < planned_start_on:
        problems.append(
            FieldProblem("planned_end_on", "planned_end_not_before_start", f"on or after {planned_start_on}")
        )
    if problems:
        raise RuleViolation("the pipeline work cannot be assigned as given", problems)


def _check_next(status: str, action: str) -> None:
    allowed = WORK_ACTIONS[WorkStatus(status)]
    if action not in allowed:
        listed = ", ".join(allowed) or "none"
        raise InvalidState(
            f"a pipeline work that is {status} cannot take '{action}'; allowed now: {listed}",
            current=status,
            allowed=list(allowed),
            errors=[FieldProblem("status", "pipeline_work_order", f"allowed now: {listed}")],
        )


def check_start(status: str, started_on: date, *, now: datetime, programme_issued_on: date) -> None:
    """Refuse a start of a work already started, or dated in the future or before the programme.

    Raises:
        InvalidState: the work is not waiting to start (409, `pipeline_work_order`).
        RuleViolation: `started_on` is in the future (Asia/Shanghai) or before the programme.
    """
    _check_next(status, "start")
    check_step_date(
        "started_on", started_on, now=now, programme_issued_on=programme_issued_on, previous_on=None
    )


def check_completion(status: str, completed_on: date, *, now: datetime, started_on: date | None) -> None:
    """Refuse a completion of a work not started or already completed, or dated wrongly.

    Args:
        status: the work's status.
        completed_on: the date the company gives.
        now: the service clock's instant; "today" is the date in Asia/Shanghai.
        started_on: the work's start.

    Raises:
        InvalidState: the work is not in progress (409, `pipeline_work_order`).
        RuleViolation: `completed_on` is in the future (`not_in_future`) or before the work's
            start (`not_before_work_start`).
    """
    _check_next(status, "completion")
    today = shanghai_date(now)
    if completed_on > today:
        raise RuleViolation(
            f"completed_on {completed_on} is in the future (today is {today} in Asia/Shanghai)",
            [FieldProblem("completed_on", "not_in_future", f"give a date on or before {today}")],
        )
    if started_on is not None and completed_on < started_on:
        raise RuleViolation(
            f"completed_on {completed_on} is before the work started ({started_on})",
            [FieldProblem("completed_on", "not_before_work_start", f"give a date on or after {started_on}")],
        )


def open_works_block_completion(
    profile: ProgrammeProfile, status: str, open_works: Sequence[OpenWork], *, audited: bool
) -> None:
    """Construction cannot be completed while assigned pipeline work is open and not exempted.

    Args:
        profile: the project's programme.
        status: the project's status.
        open_works: the project's works neither completed nor exempted.
        audited: whether its final-accounts audit is recorded.

    Raises:
        InvalidState: naming every open work (409); the allowed actions say an exemption may be
            recorded.
    """
    if not open_works:
        return
    named = "; ".join(f"{w.item_code} by {w.utility_code} ({w.status}, {w.work_id})" for w in open_works)
    allowed = actions_while_work_open(allowed_actions(profile, status, audited=audited))
    raise InvalidState(
        f"construction cannot be completed while pipeline work is open: {named}",
        current=step_of(profile, status),
        allowed=allowed,
        errors=[
            FieldProblem(
                "pipeline_works", "open_pipeline_work", f"{w.work_id}: {w.item_code} by {w.utility_code}"
            )
            for w in open_works
        ],
    )


def check_exempted(requested: Sequence[str], open_ids: Collection[str]) -> None:
    """Refuse an exemption of a work that is not open pipeline work of this project.

    Args:
        requested: the work ids the body names, in its order.
        open_ids: the ids of the project's works neither completed nor exempted.

    Raises:
        RuleViolation: naming `work_ids.<i>` (`open_work_of_project`, or `unique`).
    """
    problems = []
    seen: set[str] = set()
    for index, work_id in enumerate(requested):
        if work_id in seen:
            problems.append(FieldProblem(f"work_ids.{index}", "unique", f"{work_id} is listed twice"))
        elif work_id not in open_ids:
            problems.append(
                FieldProblem(
                    f"work_ids.{index}",
                    "open_work_of_project",
                    f"open: {', '.join(sorted(open_ids)) or 'none'}",
                )
            )
        seen.add(work_id)
    if problems:
        raise RuleViolation("only open pipeline work of this project can be exempted", problems)
