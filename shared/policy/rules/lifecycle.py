"""The steps a project takes under a plan, read from its profile, for workflow code.

The registry never lists a programme's steps itself: it asks `first_step` and `next_steps`,
so Zhongyuan 2013's steps are not Zhengzhou 2019's and a new plan is a new YAML file.
"""

from __future__ import annotations

from shared.policy.models.lifecycle import StageCode
from shared.policy.models.profile import ProgrammeProfile


def stage_codes(profile: ProgrammeProfile) -> tuple[StageCode, ...]:
    """The steps the plan has, in its order."""
    return tuple(stage.code for stage in profile.lifecycle.stages)


def first_step(profile: ProgrammeProfile) -> StageCode:
    """The step a new project starts at (the validator guarantees a lifecycle has one)."""
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
    """
    codes = stage_codes(profile)
    index = _index(profile, current)
    return codes[index + 1 : index + 2]


def next_stage(profile: ProgrammeProfile, current: StageCode | str) -> StageCode | None:
    """The step after `current` (None after the last); ValueError if `current` is not in the plan."""
    following = next_steps(profile, current)
    return following[0] if following else None
