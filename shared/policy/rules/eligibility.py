"""Is a community in a programme? Every check is reported with its clause, pass or fail.

The result keeps all checks (not only failures) so the ledger can show why a community was
admitted, and lists the plan's qualitative conditions that a person still has to confirm.
"""

from __future__ import annotations

from collections.abc import Set

from shared.policy.errors import RuleAbsentError
from shared.policy.models.base import Frozen, Reading
from shared.policy.models.eligibility import BuiltBefore, Condition
from shared.policy.models.jurisdiction import Participation
from shared.policy.models.profile import ProgrammeProfile

__all__ = [
    "BUILT_YEAR",
    "BuiltYearCutoff",
    "DISTRICT",
    "EligibilityCheck",
    "EligibilityDecision",
    "built_year_cutoff",
    "is_eligible",
]

BUILT_YEAR = "built-year"
"""The code of the built-year check."""
DISTRICT = "district"
"""The code of the jurisdiction check."""


class EligibilityCheck(Frozen):
    """One rule applied: `code` is `built-year`, `district`, or an exclusion code."""

    code: str
    passed: bool
    clause: str
    message: str


class EligibilityDecision(Frozen):
    """`eligible` iff every check passed; `reasons` are the failed checks."""

    programme: str
    eligible: bool
    checks: tuple[EligibilityCheck, ...]
    to_confirm: tuple[Condition, ...] = ()

    @property
    def reasons(self) -> tuple[EligibilityCheck, ...]:
        """The checks that failed, in check order (empty when eligible)."""
        return tuple(check for check in self.checks if not check.passed)


class BuiltYearCutoff(Frozen):
    """The built-year cut-off as the API shows it: the year, how it is read, and by whom.

    `inclusive` is the parameter the office may flip in the profile; `explanation_en` is the
    sentence the eligibility reason and the programme's rules endpoint show.
    """

    programme: str
    year: int
    inclusive: bool
    latest_year_admitted: int
    words_zh: str
    clause: str
    reading: Reading
    note: str | None
    explanation_en: str


def _explain(rule: BuiltBefore) -> str:
    boundary = "including" if rule.inclusive else "excluding"
    whose = (
        "this platform's reading, for the office to confirm"
        if rule.reading is Reading.PLATFORM
        else "as written"
    )
    return (
        f"{rule.clause} “{rule.words_zh}” is read as {boundary} {rule.year}: communities built in "
        f"{rule.latest_year_admitted} or earlier are admitted ({whose})"
    )


def built_year_cutoff(profile: ProgrammeProfile) -> BuiltYearCutoff:
    """The plan's built-year cut-off and its reading; RuleAbsentError when the plan sets none.

    Args:
        profile: the programme's profile.

    Returns:
        The cut-off year, whether it is included, the latest year admitted, the plan's words, the clause
        and whose reading it is, with an English explanation.

    Raises:
        RuleAbsentError: the plan sets no built year (Zhengzhou 2018, Zhongyuan).
    """
    rule = profile.eligibility.built_before
    if rule is None:
        raise RuleAbsentError(f"{profile.code}: the plan sets no built-year cut-off")
    return BuiltYearCutoff(
        programme=profile.code,
        year=rule.year,
        inclusive=rule.inclusive,
        latest_year_admitted=rule.latest_year_admitted,
        words_zh=rule.words_zh,
        clause=rule.clause,
        reading=rule.reading,
        note=rule.note,
        explanation_en=_explain(rule),
    )


def is_eligible(
    profile: ProgrammeProfile,
    built_year: int,
    exclusions: Set[str] = frozenset(),
    *,
    district: str | None = None,
) -> EligibilityDecision:
    """Decide eligibility from the year built, the exclusions that apply and (optionally) district.

    `exclusions` must be codes from `profile.eligibility.exclusions`; an unknown code raises
    ValueError rather than being ignored, since a misspelt exclusion would admit the community.

    Args:
        profile: the programme's profile.
        built_year: the year the community was completed.
        exclusions: the plan's exclusion codes that apply to the community.
        district: the community's district code, checked against the jurisdiction.

    Returns:
        Every check with its clause; `to_confirm` lists the conditions a person confirms.

    Raises:
        TypeError: `built_year` is not an int.
        ValueError: an exclusion code the plan does not have.
    """
    if isinstance(built_year, bool) or not isinstance(built_year, int):
        raise TypeError(f"built_year must be an int year, got {built_year!r}")
    rules = profile.eligibility
    known = {e.code for e in rules.exclusions}
    unknown = set(exclusions) - known
    if unknown:
        raise ValueError(
            f"{profile.code}: unknown exclusion codes {sorted(unknown)} "
            f"(this plan's exclusions: {sorted(known) or 'none'})"
        )
    checks: list[EligibilityCheck] = []
    if rules.built_before is not None:
        rule = rules.built_before
        checks.append(
            EligibilityCheck(
                code=BUILT_YEAR,
                passed=rule.admits(built_year),
                clause=rule.clause,
                message=f"built {built_year}; {_explain(rule)}",
            )
        )
    if district is not None:
        checks.append(_district_check(profile, district))
    for exclusion in rules.exclusions:
        applies = exclusion.code in exclusions
        checks.append(
            EligibilityCheck(
                code=exclusion.code,
                passed=not applies,
                clause=exclusion.clause,
                message=("excluded: " if applies else "not excluded: ") + exclusion.name_zh,
            )
        )
    return EligibilityDecision(
        programme=profile.code,
        eligible=all(check.passed for check in checks),
        checks=tuple(checks),
        to_confirm=rules.conditions,
    )


def _district_check(profile: ProgrammeProfile, code: str) -> EligibilityCheck:
    area = profile.jurisdiction.district(code)
    clause = profile.jurisdiction.clause
    if area is None:
        return EligibilityCheck(
            code=DISTRICT,
            passed=False,
            clause=clause,
            message=f"{code} is outside the jurisdiction of {profile.code}",
        )
    if area.participation is Participation.BY_REFERENCE:
        message = f"{area.name_zh} may follow the plan by reference (参照执行)"
        if area.self_funded:
            message += ", at its own cost"
    else:
        message = f"{area.name_zh} is in scope"
    return EligibilityCheck(code=DISTRICT, passed=True, clause=clause, message=message)
