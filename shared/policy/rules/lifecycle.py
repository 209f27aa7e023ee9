"""The steps a project takes under a plan, read from its profile, for workflow code.

The registry never lists a programme's steps itself: it asks `first_step` and `next_steps`,
so Zhongyuan 2013's steps are not Zhengzhou 2019's and a new plan is a new YAML file. A step is
named by a `StageCode` or its string value; one the plan does not have raises ValueError.
"""

from __future__ import annotations

from collections.abc import Iterable, Set

from shared.policy.errors import RuleAbsentError
from shared.policy.models.ledger import LedgerRule
from shared.policy.models.lifecycle import (
    Deadline,
    DeadlineScope,
    DemonstrationAreaRule,
    Match,
    Mode,
    PermitExemption,
    SignOff,
    Stage,
    StageCode,
)
from shared.policy.models.profile import ProgrammeProfile

__all__ = [
    "audit_after",
    "closes_out_in_ledger",
    "demonstration_area_rule",
    "first_step",
    "is_signed_off",
    "item_sign_offs",
    "ledger_rules",
    "may_exempt_from_permit",
    "missing_sign_offs",
    "next_stage",
    "next_steps",
    "permit_exemption",
    "project_deadlines",
    "sign_offs",
    "sign_offs_due",
    "stage_codes",
    "step_modes",
]


def stage_codes(profile: ProgrammeProfile) -> tuple[StageCode, ...]:
    """The steps the plan has, in its order.

    Args:
        profile: the programme's profile.

    Returns:
        The step codes, first to last.
    """
    return tuple(stage.code for stage in profile.lifecycle.stages)


def first_step(profile: ProgrammeProfile) -> StageCode:
    """The step a new project starts at (the validator guarantees a lifecycle has one).

    Args:
        profile: the programme's profile.

    Returns:
        The first step's code.
    """
    return profile.lifecycle.stages[0].code


def _index(profile: ProgrammeProfile, current: StageCode | str) -> int:
    codes = stage_codes(profile)
    try:
        return codes.index(StageCode(current))
    except ValueError:
        raise ValueError(f"{profile.code}: stage {current!r} is not part of this plan") from None


def next_steps(profile: ProgrammeProfile, current: StageCode | str) -> tuple[StageCode, ...]:
    """What may follow `current` now: empty at the end; ValueError if `current` is not in the plan.

    The plans are sequential, so this is at most one step today; callers treat it as a set so a
    plan with parallel or optional steps needs no change on their side.

    Args:
        profile: the programme's profile.
        current: the project's current step.

    Returns:
        The steps that may follow; empty after the last step.

    Raises:
        ValueError: `current` is not a step of this plan (or no step code at all).
    """
    codes = stage_codes(profile)
    index = _index(profile, current)
    return codes[index + 1 : index + 2]


def next_stage(profile: ProgrammeProfile, current: StageCode | str) -> StageCode | None:
    """The step after `current` (None after the last); ValueError if `current` is not in the plan.

    Args:
        profile: the programme's profile.
        current: the project's current step.

    Returns:
        The following step's code, or None after the last step.

    Raises:
        ValueError: `current` is not a step of this plan.
    """
    following = next_steps(profile, current)
    return following[0] if following else None


def _stage(profile: ProgrammeProfile, step: StageCode | str) -> Stage:
    _index(profile, step)
    stage = profile.lifecycle.stage(StageCode(step))
    assert stage is not None
    return stage


def sign_offs(profile: ProgrammeProfile, step: StageCode | str) -> tuple[SignOff, ...]:
    """The signatures `step` needs, in round order (empty when the plan names none).

    Args:
        profile: the programme's profile.
        step: a step code of the plan (a `StageCode` or its string value).

    Returns:
        The sign-offs, sorted by round.

    Raises:
        ValueError: `step` is not a step of this plan.
    """
    return tuple(sorted(_stage(profile, step).sign_offs, key=lambda s: s.round))


def item_sign_offs(profile: ProgrammeProfile, items: Iterable[str]) -> tuple[SignOff, ...]:
    """The acceptance signatures a plan's items add: one per department that inspects any of them
    (`Stage.item_inspections`), in the profile's order, after the step's own sign-offs' last round.

    Args:
        profile: the programme's profile.
        items: the catalogue codes of the project's plan.

    Returns:
        One sign-off per inspecting department (empty when no item of the plan is inspected).
    """
    stage = profile.lifecycle.stage(StageCode.ACCEPTANCE)
    if stage is None or not stage.item_inspections:
        return ()
    planned = set(items)
    last_round = max((s.round for s in stage.sign_offs), default=1)
    names = {d.code: d.name_zh for d in profile.departments}
    return tuple(
        SignOff(
            any_of=(inspection.department,),
            round=last_round,
            description_zh=inspection.description_zh or names.get(inspection.department),
            clause=inspection.clause,
            see_also=inspection.see_also,
            note=inspection.note,
        )
        for inspection in stage.item_inspections
        if planned & set(inspection.items)
    )


def _check_roles(profile: ProgrammeProfile, step: StageCode | str, signed: Set[str]) -> tuple[SignOff, ...]:
    required = sign_offs(profile, step)
    known = {role for s in required for role in s.any_of}
    unknown = set(signed) - known
    if unknown:
        raise ValueError(
            f"{profile.code}: {sorted(unknown)} sign no part of {StageCode(step).value} "
            f"(roles: {sorted(known) or 'none'})"
        )
    return required


def missing_sign_offs(
    profile: ProgrammeProfile, step: StageCode | str, signed: Set[str]
) -> tuple[SignOff, ...]:
    """The sign-offs not yet given by any of their roles; ValueError for a role the step does not know.

    A sign-off with alternatives (业主委员会 or 业主代表) is given when any one of them has signed.

    Args:
        profile: the programme's profile.
        step: the step being signed (usually acceptance).
        signed: the role codes that have signed so far.

    Returns:
        The sign-offs still missing, in round order (empty when signed off).

    Raises:
        ValueError: `step` is not in the plan, or a role in `signed` signs no part of it.
    """
    required = _check_roles(profile, step, signed)
    return tuple(s for s in required if not set(s.any_of) & set(signed))


def sign_offs_due(profile: ProgrammeProfile, step: StageCode | str, signed: Set[str]) -> tuple[SignOff, ...]:
    """The missing sign-offs of the earliest incomplete round: who may sign now.

    Zhongyuan's headquarters is due only once the street office and the community have signed.

    Args:
        profile: the programme's profile.
        step: a step code of the plan (a `StageCode` or its string value).
        signed: the role codes that have signed so far.

    Returns:
        The sign-offs of the earliest round still incomplete; empty when signed off.

    Raises:
        ValueError: as for `missing_sign_offs`.
    """
    missing = missing_sign_offs(profile, step, signed)
    if not missing:
        return ()
    first = min(s.round for s in missing)
    return tuple(s for s in missing if s.round == first)


def is_signed_off(profile: ProgrammeProfile, step: StageCode | str, signed: Set[str]) -> bool:
    """Whether every sign-off of `step` has been given (true for a step that needs none).

    Args:
        profile: the programme's profile.
        step: a step code of the plan (a `StageCode` or its string value).
        signed: the role codes that have signed so far.

    Returns:
        True when no sign-off is missing.

    Raises:
        ValueError: as for `missing_sign_offs`.
    """
    return not missing_sign_offs(profile, step, signed)


def step_modes(profile: ProgrammeProfile, step: StageCode | str) -> tuple[Mode, ...]:
    """The ways the plan allows `step` to be done, e.g. Zhongyuan's three takeover modes.

    Args:
        profile: the programme's profile.
        step: a step code of the plan (a `StageCode` or its string value).

    Returns:
        The modes, in the profile's order (empty when the plan names none).

    Raises:
        ValueError: `step` is not a step of this plan.
    """
    return _stage(profile, step).modes


def audit_after(profile: ProgrammeProfile) -> StageCode | None:
    """The step after which the final-accounts (audited) figure may be recorded; None without one.

    The audit is a record, not a step: the project moves on (to takeover) while it runs.

    Args:
        profile: the programme's profile.

    Returns:
        The step's code, or None when the plan has no final-accounts audit.
    """
    audit = profile.lifecycle.final_accounts_audit
    return audit.after if audit else None


def permit_exemption(profile: ProgrammeProfile) -> PermitExemption:
    """The construction-permit exemption rule (Kaifeng 六(四)), or RuleAbsentError.

    Args:
        profile: the programme's profile.

    Returns:
        The rule: groups of conditions and how they combine.

    Raises:
        RuleAbsentError: the plan has no such rule.
    """
    rule = profile.lifecycle.permit_exemption
    if rule is None:
        raise RuleAbsentError(f"{profile.code}: the plan sets no construction-permit exemption")
    return rule


def may_exempt_from_permit(profile: ProgrammeProfile, facts: Set[str]) -> bool:
    """Whether a project whose true conditions are `facts` may be exempted from the permit.

    "May": the plan's word is 可, so True makes the project a candidate, never owed the
    exemption. An unknown condition code raises ValueError rather than being ignored.

    Args:
        profile: the programme's profile.
        facts: codes of the exemption conditions that hold for the project.

    Returns:
        True when the conditions satisfy the rule's groups (all or any, as the plan says).

    Raises:
        RuleAbsentError: the plan has no exemption rule.
        ValueError: a code in `facts` is not one of the rule's conditions.
    """
    rule = permit_exemption(profile)
    known = {c.code for g in rule.groups for c in g.conditions}
    unknown = set(facts) - known
    if unknown:
        raise ValueError(
            f"{profile.code}: unknown exemption conditions {sorted(unknown)} (known: {sorted(known)})"
        )
    results = [_holds(group.match, [c.code in facts for c in group.conditions]) for group in rule.groups]
    return _holds(rule.match, results)


def _holds(match: Match, values: list[bool]) -> bool:
    return all(values) if match is Match.ALL else any(values)


def ledger_rules(profile: ProgrammeProfile) -> tuple[LedgerRule, ...]:
    """The plan's ledger rules (台账, 登记和销号): management rules, not steps.

    Args:
        profile: the programme's profile.

    Returns:
        The rules in the profile's order (empty when the plan sets none).
    """
    return profile.ledger.rules


def closes_out_in_ledger(profile: ProgrammeProfile) -> bool:
    """Whether the plan closes a project's ledger entry (销号) once it is done.

    Args:
        profile: the programme's profile.

    Returns:
        True when any ledger rule closes out finished projects.
    """
    return any(rule.closes_out for rule in profile.ledger.rules)


def project_deadlines(
    profile: ProgrammeProfile, scopes: Set[DeadlineScope]
) -> tuple[tuple[StageCode, Deadline], ...]:
    """The deadlines that bind a project, with the step each sits on, earliest first.

    Every project is bound by `every_project` deadlines; the others bind a project only when it
    is of that kind (a demonstration community, on the central-fund list, in a 示范区), and
    `programme` deadlines bind no project (a district's own plan or survey).

    Args:
        profile: the programme's profile.
        scopes: the kinds the project is of, besides `every_project` (which is always included).

    Returns:
        (step, deadline) pairs sorted by due date then code.
    """
    kinds = {*scopes, DeadlineScope.EVERY_PROJECT} - {DeadlineScope.PROGRAMME}
    found = [
        (stage.code, deadline)
        for stage in profile.lifecycle.stages
        for deadline in stage.deadlines
        if deadline.applies_to in kinds
    ]
    return tuple(sorted(found, key=lambda pair: (pair[1].due_on, pair[1].code)))


def demonstration_area_rule(profile: ProgrammeProfile) -> DemonstrationAreaRule:
    """The plan's demonstration-area rule (Zhengzhou 2018 四(一)), or RuleAbsentError.

    Args:
        profile: the programme's profile.

    Returns:
        The rule: the least number of communities and the approximate size.

    Raises:
        RuleAbsentError: the plan has no demonstration areas.
    """
    rule = profile.lifecycle.demonstration_area
    if rule is None:
        raise RuleAbsentError(f"{profile.code}: the plan sets no demonstration areas")
    return rule
