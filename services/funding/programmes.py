"""The programme rules funding applies, read from the programme profile (shared.policy)."""

from __future__ import annotations

from decimal import Decimal

from shared.contracts.registry import ProjectAccepted
from shared.errors import FieldProblem, RuleViolation
from shared.policy import (
    AwardBasis,
    RuleAbsentError,
    UnknownProgrammeError,
    award_applies,
    award_rule,
    get_profile,
)


def award_terms(accepted: ProjectAccepted) -> tuple[int, Decimal] | None:
    """(basis in fen, ratio) of the award an accepted project earns, or None if it earns none.

    None for a programme without a city award or a district outside it (self-funded areas).
    Raises RuleViolation when the event lacks the figure the programme pays on (dead-letter).
    """
    try:
        profile = get_profile(accepted.programme_code)
        rule = award_rule(profile)
    except (UnknownProgrammeError, RuleAbsentError):
        return None
    if not award_applies(profile, accepted.district_code):
        return None
    if rule.basis is AwardBasis.AUDITED_INVESTMENT:
        if accepted.audited_investment_fen is None:
            raise RuleViolation(
                f"{profile.code} pays on audited investment; the event has none",
                [FieldProblem("audited_investment_fen", "required_by_programme", "missing in the event")],
            )
        return accepted.audited_investment_fen, rule.ratio
    return accepted.investment_fen, rule.ratio
