"""The programme a record belongs to, and whether a community is eligible under it.

A community must belong to a known programme, lie in its jurisdiction and be eligible (build
year, exclusions), each reason citing its clause. Every other programme rule is asked of
`shared.policy` where it is used; nothing about the award is asked here (funding decides it).
"""

from __future__ import annotations

from shared.errors import FieldProblem, RuleViolation
from shared.policy import (
    EligibilityDecision,
    ProgrammeProfile,
    UnknownProgrammeError,
    get_profile,
    is_eligible,
)

_CHECK_FIELDS = {"built-year": "built_year", "district": "district_code"}


def programme(code: str) -> ProgrammeProfile:
    """The profile of `code`, or a 422 naming the `programme_code` field."""
    try:
        return get_profile(code)
    except UnknownProgrammeError:
        raise RuleViolation(
            f"unknown programme '{code}'",
            [FieldProblem("programme_code", "known_programme", f"no programme profile '{code}'")],
        ) from None


def assess(
    programme_code: str, district_code: str, built_year: int, exclusions: list[str]
) -> EligibilityDecision:
    """Every eligibility check of the programme applied to a community, passed or not, with clauses.

    Raises:
        RuleViolation: an unknown programme, or an exclusion code the programme does not have.
    """
    profile = programme(programme_code)
    try:
        return is_eligible(profile, built_year, set(exclusions), district=district_code)
    except ValueError as exc:
        raise RuleViolation(str(exc), [FieldProblem("exclusions", "known_exclusion", str(exc))]) from None


def reasons(programme_code: str, decision: EligibilityDecision) -> list[dict[str, object]]:
    """The checks as the ledger stores them: code, passed, the clause cited with its document."""
    document = programme(programme_code).document_number
    return [
        {
            "code": check.code,
            "passed": check.passed,
            "clause": f"{document} {check.clause}",
            "message": check.message,
            "field": _CHECK_FIELDS.get(check.code, "exclusions"),
        }
        for check in decision.checks
    ]


def check_tier(programme_code: str, tier: str | None) -> None:
    """Refuse a library tier the programme does not have (Kaifeng 六(三): 实施、谋划、储备一批)."""
    if tier is None:
        return
    tiers = programme(programme_code).lifecycle.project_tiers
    codes = [t.code for t in tiers.tiers] if tiers else []
    if tier not in codes:
        raise RuleViolation(
            f"{programme_code} has no project-library tier {tier!r}",
            [
                FieldProblem(
                    "tier", "programme_tier", f"tiers: {', '.join(codes) or 'none in this programme'}"
                )
            ],
        )
