"""Is a community in a programme? Every check is reported with its clause, pass or fail.

The result keeps all checks (not only failures) so the ledger can show why a community was
admitted, and lists the plan's qualitative conditions that a person still has to confirm.
"""

from __future__ import annotations

from collections.abc import Set

from shared.policy.models.base import Frozen
from shared.policy.models.eligibility import Condition
from shared.policy.models.jurisdiction import Participation
from shared.policy.models.profile import ProgrammeProfile

BUILT_YEAR = "built-year"
DISTRICT = "district"


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
        return tuple(check for check in self.checks if not check.passed)


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
        relation = "in or before" if rule.inclusive else "before"
        checks.append(
            EligibilityCheck(
                code=BUILT_YEAR,
                passed=rule.admits(built_year),
                clause=rule.clause,
                message=f"built {built_year}; the plan admits communities built {relation} {rule.year}",
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
