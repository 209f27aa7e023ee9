"""The programme a record belongs to, and whether a community is eligible under it.

A community must belong to a known programme, lie in its jurisdiction and be eligible (build
year, exclusions), each reason citing its clause. Every other programme rule is asked of
`shared.policy` where it is used; nothing about the award is asked here (funding decides it).
"""

from __future__ import annotations

from shared.errors import FieldProblem, RuleViolation
from shared.policy import ProgrammeProfile, UnknownProgrammeError, get_profile, is_eligible

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


def check_eligibility(
    programme_code: str, district_code: str, built_year: int, exclusions: list[str]
) -> None:
    """Refuse a community its programme does not cover, naming each failed rule and its clause."""
    profile = programme(programme_code)
    try:
        decision = is_eligible(profile, built_year, set(exclusions), district=district_code)
    except ValueError as exc:
        raise RuleViolation(str(exc), [FieldProblem("exclusions", "known_exclusion", str(exc))]) from None
    if not decision.eligible:
        raise RuleViolation(
            f"the community is not eligible under {profile.code}",
            [
                FieldProblem(
                    _CHECK_FIELDS.get(check.code, "exclusions"),
                    f"eligibility.{check.code}",
                    f"{check.message} ({profile.document_number} {check.clause})",
                )
                for check in decision.reasons
            ],
        )
