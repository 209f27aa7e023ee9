"""Stage order per plan, for workflow code that moves a project along."""

from __future__ import annotations

from shared.policy.models.lifecycle import StageCode
from shared.policy.models.profile import ProgrammeProfile


def stage_codes(profile: ProgrammeProfile) -> tuple[StageCode, ...]:
    """The stages the plan has, in its order."""
    return tuple(stage.code for stage in profile.lifecycle.stages)


def next_stage(profile: ProgrammeProfile, current: StageCode | str) -> StageCode | None:
    """The stage after `current` in this plan (None after the last); ValueError if not in plan."""
    codes = stage_codes(profile)
    try:
        index = codes.index(StageCode(current))
    except ValueError:
        raise ValueError(f"{profile.code}: stage {current!r} is not part of this plan") from None
    return codes[index + 1] if index + 1 < len(codes) else None
