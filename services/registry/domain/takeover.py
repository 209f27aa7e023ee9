"""Property takeover: a mode the profile names and, where it sets service levels, the level's items.

Zhongyuan 三(三) names professional companies, 后勤式管理 and community intervention, and 三(二)
the "eight haves" for communities in fair condition, "four haves" otherwise; the profile holds
both (`step_modes`, `service_levels`). A plan that names no modes accepts any mode code.
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.errors import FieldProblem, RuleViolation
from shared.policy import ProgrammeProfile, StageCode, step_modes


def check_takeover(
    profile: ProgrammeProfile, mode: str, service_level: str | None, commitments: Sequence[str]
) -> list[str]:
    """Check the mode and the service commitments; returns the commitments (default: the level's).

    Raises:
        RuleViolation: an unknown mode or level, a level missing where the plan sets levels, or
            commitments that leave out items of the level or name items outside it.
    """
    modes = {m.code for m in step_modes(profile, StageCode.PROPERTY_TAKEOVER)}
    if modes and mode not in modes:
        raise RuleViolation(
            f"{profile.code} names no takeover mode {mode!r}",
            [FieldProblem("mode", "takeover_mode", f"modes: {', '.join(sorted(modes))}")],
        )
    levels = {level.code: level for level in profile.service_levels}
    if not levels:
        if service_level is not None:
            raise RuleViolation(
                f"{profile.code} sets no service levels",
                [FieldProblem("service_level", "service_level", "leave it out for this programme")],
            )
        return list(commitments)
    if service_level not in levels:
        raise RuleViolation(
            f"{profile.code} asks which service level the manager commits to",
            [FieldProblem("service_level", "service_level", f"levels: {', '.join(sorted(levels))}")],
        )
    items = [item.code for item in levels[service_level].items]
    if not commitments:
        return items
    missing = [code for code in items if code not in commitments]
    extra = [code for code in commitments if code not in items]
    if missing or extra:
        raise RuleViolation(
            f"the commitments must be the items of {service_level}",
            [FieldProblem("commitments", "service_level_items", f"missing {missing}, unknown {extra}")],
        )
    return list(commitments)
