"""Which programme a request speaks of: its profile, or a refusal naming the field."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from shared.errors import FieldProblem, RuleViolation
from shared.policy import Participation, ProgrammeProfile, UnknownProgrammeError, bundled_profiles

__all__ = [
    "MonthlyReportProgramme",
    "ProgrammeCode",
    "Profiles",
    "WeeklyReportProgramme",
    "bound_districts",
    "programme",
]

Profiles = Callable[[str], ProgrammeProfile]
"""Looks a profile up by code (`shared.policy.get_profile`; tests pass their own)."""


def programme(profiles: Profiles, code: str, field: str = "programme_code") -> ProgrammeProfile:
    """The profile of `code`.

    Raises:
        RuleViolation: no programme has this code.
    """
    try:
        return profiles(code)
    except (UnknownProgrammeError, KeyError) as exc:
        raise RuleViolation(
            f"no programme {code!r}", [FieldProblem(field, "unknown_programme", "use a programme's code")]
        ) from exc


def bound_districts(profile: ProgrammeProfile) -> tuple[str, ...]:
    """The districts the plan binds (not those that may follow it by reference, 参照执行)."""
    return tuple(d.code for d in profile.jurisdiction.districts if d.participation is Participation.MANDATORY)


_BUNDLED = bundled_profiles()
ProgrammeCode = StrEnum("ProgrammeCode", {code: code for code in sorted(_BUNDLED)})  # type: ignore[misc]
"""The programmes this build knows, so the API schema lists them (a new profile is a new member)."""

WeeklyReportProgramme = StrEnum(  # type: ignore[misc]
    "WeeklyReportProgramme",
    {code: code for code, p in sorted(_BUNDLED.items()) if p.supervision.weekly_report is not None},
)
"""Programmes asking for weekly reports (Zhengzhou 2019 七(二), Kaifeng 七(六), Zhongyuan 五(二)7)."""

MonthlyReportProgramme = StrEnum(  # type: ignore[misc]
    "MonthlyReportProgramme",
    {code: code for code, p in sorted(_BUNDLED.items()) if p.supervision.monthly_report is not None},
)
"""Programmes asking for monthly progress reports (Zhengzhou 2018 五(二))."""
