"""The city award (奖补) as pure rules: which figure it is computed on, when it is none, who approves.

Every number and department comes from the programme profile through shared.policy (one function
each: `award_applies`, `award_basis`, `award_fen`, `award_approver`, `award_payer`,
`award_trued_up_on_audit`); nothing here names a programme, a ratio or a department.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from shared.access import OrganisationKind, Principal
from shared.errors import FieldProblem, RuleViolation
from shared.policy import (
    AwardBasis,
    ProgrammeProfile,
    award_applies,
    award_approver,
    award_basis,
    award_fen,
    award_payer,
    award_rule,
    award_trued_up_on_audit,
)
from shared.types import MONEY_CEILING_FEN


class AwardStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"


class NoAwardReason(StrEnum):
    """Why an accepted project earns no city award (kept as a row, queryable)."""

    UNKNOWN_PROGRAMME = "unknown_programme"  # no profile for the programme code
    NO_AWARD_RULE = "no_award_rule"  # the plan sets no award ratio (e.g. Zhengzhou 2018)
    NOT_IN_AWARD_AREA = "not_in_award_area"  # the district is self-funded or outside the plan


@dataclass(frozen=True)
class Figures:
    """The investment figures known for a project, in fen (None where not known yet)."""

    planned_fen: int
    accepted_fen: int | None = None
    audited_fen: int | None = None


@dataclass(frozen=True)
class AwardTerms:
    """What an award is computed on: which figure (`basis`), its value, and the result."""

    basis: AwardBasis
    basis_fen: int
    amount_fen: int


@dataclass(frozen=True)
class NoAward:
    reason: NoAwardReason
    detail: str


@dataclass(frozen=True)
class AwaitAudit:
    """The programme pays on the audited figure and the acceptance carried none: wait for it."""

    detail: str


def no_award(profile: ProgrammeProfile | None, programme_code: str, district_code: str) -> NoAward | None:
    """The reason a district's project earns no award under the programme, or None if it may."""
    if profile is None:
        return NoAward(NoAwardReason.UNKNOWN_PROGRAMME, f"no programme profile '{programme_code}'")
    if profile.funding is None or profile.funding.award is None:
        return NoAward(NoAwardReason.NO_AWARD_RULE, f"{profile.code}: the plan sets no city award ratio")
    if not award_applies(profile, district_code):
        area = profile.jurisdiction.district(district_code)
        why = "is self-funded under the plan" if area is not None else "is not in the plan's jurisdiction"
        clause = profile.funding.award.clause
        return NoAward(NoAwardReason.NOT_IN_AWARD_AREA, f"{district_code} {why} ({profile.code} {clause})")
    return None


def terms_at_acceptance(profile: ProgrammeProfile, figures: Figures) -> AwardTerms | AwaitAudit:
    """The award proposed when a project is accepted, on the figure the profile's basis names.

    An audited figure already known wins where the profile pays on it (its basis, or its true-up);
    otherwise the basis figure: the investment stated at acceptance (falling back to the planned
    one when the acceptance states none) or the approved plan.
    """
    basis = award_basis(profile)
    if figures.audited_fen is not None and (
        basis is AwardBasis.AUDITED_INVESTMENT or award_trued_up_on_audit(profile)
    ):
        return _terms(profile, AwardBasis.AUDITED_INVESTMENT, figures.audited_fen)
    if basis is AwardBasis.AUDITED_INVESTMENT:
        return AwaitAudit(f"{profile.code} pays on the audited investment; the award waits for the audit")
    if basis is AwardBasis.ACCEPTED_INVESTMENT:
        accepted = figures.accepted_fen if figures.accepted_fen is not None else figures.planned_fen
        return _terms(profile, basis, accepted)
    return _terms(profile, basis, figures.planned_fen)


def terms_on_audit(profile: ProgrammeProfile, audited_fen: int) -> AwardTerms:
    """The award on the audited figure (a re-based proposal, or the target of a true-up)."""
    return _terms(profile, AwardBasis.AUDITED_INVESTMENT, audited_fen)


def audit_changes_award(profile: ProgrammeProfile) -> bool:
    """Whether an audited figure changes the award: the profile trues up or pays on the audit."""
    return award_trued_up_on_audit(profile) or award_basis(profile) is AwardBasis.AUDITED_INVESTMENT


def true_up_fen(profile: ProgrammeProfile, awarded_fen: int, audited_fen: int) -> int:
    """Signed difference: the award on the audited figure minus what is awarded so far."""
    return terms_on_audit(profile, audited_fen).amount_fen - awarded_fen


def may_approve(principal: Principal, profile: ProgrammeProfile) -> bool:
    """Whether the caller is the department the programme's profile names as the award's approver."""
    return principal.org_kind is OrganisationKind.DEPARTMENT and principal.org_code == award_approver(profile)


def may_pay(principal: Principal, profile: ProgrammeProfile) -> bool:
    """Whether the caller is the department the programme's profile names as the award's payer."""
    return principal.org_kind is OrganisationKind.DEPARTMENT and principal.org_code == award_payer(profile)


def ratio_of(profile: ProgrammeProfile) -> Decimal:
    """The award ratio, recorded with each award for the reader."""
    return award_rule(profile).ratio


def _terms(profile: ProgrammeProfile, basis: AwardBasis, basis_fen: int) -> AwardTerms:
    if (
        isinstance(basis_fen, bool)
        or not isinstance(basis_fen, int)
        or not 0 <= basis_fen <= MONEY_CEILING_FEN
    ):
        raise RuleViolation(
            f"investment {basis_fen!r} fen is not an amount the award can be computed on",
            [FieldProblem(basis.value + "_fen", "money_bounds", f"integer fen, 0..{MONEY_CEILING_FEN}")],
        )
    return AwardTerms(basis, basis_fen, award_fen(profile, basis_fen, basis=basis))
