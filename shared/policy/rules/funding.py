"""Money rules: the city award and the property-service subsidy, in integer fen.

Decimal maths, rounded half-up to a whole fen once, at the end (shared.money.share_of). Why here:
the ratio, the figure it applies to and the departments that approve and pay differ by plan, and
the registry and funding must agree on them; each has exactly one function.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from shared.money import share_of
from shared.policy.errors import RuleAbsentError
from shared.policy.models.funding import Award, AwardBasis, PropertySubsidy
from shared.policy.models.profile import ProgrammeProfile

__all__ = [
    "award_applies",
    "award_approver",
    "award_basis",
    "award_fen",
    "award_payer",
    "award_rule",
    "award_true_up_fen",
    "award_trued_up_on_audit",
    "minimum_subsidy_fen",
    "property_subsidy_fen",
    "property_subsidy_terms",
    "subsidy_rule",
]


def award_rule(profile: ProgrammeProfile) -> Award:
    """The plan's award rule, or RuleAbsentError when the plan sets no award ratio.

    Args:
        profile: the programme's profile.

    Returns:
        The award rule: ratio, basis, approver, payer and true-up.

    Raises:
        RuleAbsentError: the plan sets no award ratio (Kaifeng, Zhengzhou 2018, Zhongyuan).
    """
    award = profile.funding.award if profile.funding else None
    if award is None:
        raise RuleAbsentError(f"{profile.code}: the plan sets no award ratio")
    return award


def award_basis(profile: ProgrammeProfile) -> AwardBasis:
    """The investment figure the award is first paid on (RuleAbsentError without an award).

    Services ask this instead of comparing with a constant, so the registry knows which figure
    acceptance must state and funding which figure to multiply.

    Args:
        profile: the programme's profile.

    Returns:
        The figure the award is first computed on (approved, accepted or audited investment).

    Raises:
        RuleAbsentError: the plan has no award.
    """
    return award_rule(profile).basis


def award_trued_up_on_audit(profile: ProgrammeProfile) -> bool:
    """Whether the award is corrected by a signed adjustment once the audited figure arrives.

    False when the plan has no award: there is nothing to true up.

    Args:
        profile: the programme's profile.

    Returns:
        True when the plan's award is trued up to the audited investment.
    """
    award = profile.funding.award if profile.funding else None
    return award is not None and award.true_up_on_audit


def award_approver(profile: ProgrammeProfile) -> str:
    """Department code that approves the city award (the payer unless the profile says otherwise).

    Args:
        profile: the programme's profile.

    Returns:
        The approving department's code, e.g. ``finance``.

    Raises:
        RuleAbsentError: the plan has no award.
    """
    return award_rule(profile).approver_department


def award_payer(profile: ProgrammeProfile) -> str:
    """Department code that pays the city award.

    Args:
        profile: the programme's profile.

    Returns:
        The paying department's code.

    Raises:
        RuleAbsentError: the plan has no award.
    """
    return award_rule(profile).payer_department


def _accepted_bases(award: Award) -> tuple[AwardBasis, ...]:
    if award.true_up_on_audit:
        return (award.basis, AwardBasis.AUDITED_INVESTMENT)
    return (award.basis,)


def award_fen(profile: ProgrammeProfile, basis_fen: int, *, basis: AwardBasis | None = None) -> int:
    """The award for an investment of `basis_fen`: ratio × basis, half-up to a whole fen.

    Pass `basis` to state which investment figure `basis_fen` is; a figure the plan does not
    pay on (e.g. an approved figure where the profile says accepted) raises ValueError. When
    the award is trued up on audit, the audited figure is accepted too (the corrected award).

    Args:
        profile: the programme's profile.
        basis_fen: the investment, in integer fen.
        basis: which figure `basis_fen` is; None skips the check.

    Returns:
        The award in integer fen.

    Raises:
        RuleAbsentError: the plan has no award.
        TypeError: `basis_fen` is not an int (a float would lose fen).
        ValueError: `basis_fen` is negative, or `basis` is a figure the plan does not pay on.
    """
    award = award_rule(profile)
    if isinstance(basis_fen, bool) or not isinstance(basis_fen, int):
        raise TypeError(f"basis_fen must be integer fen, got {basis_fen!r}")
    if basis_fen < 0:
        raise ValueError(f"basis_fen must not be negative, got {basis_fen}")
    if basis is not None and AwardBasis(basis) not in _accepted_bases(award):
        allowed = " or ".join(b.value for b in _accepted_bases(award))
        raise ValueError(f"{profile.code}: the award is computed on {allowed}, not {AwardBasis(basis).value}")
    return share_of(basis_fen, award.ratio)


def award_true_up_fen(profile: ProgrammeProfile, awarded_fen: int, audited_investment_fen: int) -> int:
    """The signed adjustment that brings an award already paid to ratio × the audited figure.

    Positive: the district is owed more; negative: it was overpaid. RuleAbsentError when the
    plan's award is not trued up on audit (it is then final as paid).

    Args:
        profile: the programme's profile.
        awarded_fen: what was paid on the first basis, in fen.
        audited_investment_fen: the audited investment, in fen.

    Returns:
        The signed adjustment in fen (0 when the figures agree).

    Raises:
        RuleAbsentError: the plan has no award, or it is not trued up on audit.
        TypeError: either amount is not an int.
        ValueError: the audited investment is negative.
    """
    if not award_trued_up_on_audit(profile):
        raise RuleAbsentError(f"{profile.code}: the award is not trued up on the audited figure")
    if isinstance(awarded_fen, bool) or not isinstance(awarded_fen, int):
        raise TypeError(f"awarded_fen must be integer fen, got {awarded_fen!r}")
    due = award_fen(profile, audited_investment_fen, basis=AwardBasis.AUDITED_INVESTMENT)
    return due - awarded_fen


def award_applies(profile: ProgrammeProfile, district_code: str) -> bool:
    """Whether a district can claim the city award: in the jurisdiction and not self-funded.

    Args:
        profile: the programme's profile.
        district_code: the project's district.

    Returns:
        False when the plan has no award, the district is outside the jurisdiction, or it takes part at
        its own cost.
    """
    if profile.funding is None or profile.funding.award is None:
        return False
    area = profile.jurisdiction.district(district_code)
    return area is not None and not area.self_funded


def subsidy_rule(profile: ProgrammeProfile) -> PropertySubsidy:
    """The plan's property-service subsidy rule with a rate, or RuleAbsentError.

    Args:
        profile: the programme's profile.

    Returns:
        The subsidy rule, with its rate in fen per m² per month.

    Raises:
        RuleAbsentError: the plan has no subsidy, or one without a rate (Kaifeng's "可").
    """
    subsidy = profile.funding.property_subsidy if profile.funding else None
    if subsidy is None or subsidy.min_fen_per_m2_month is None:
        raise RuleAbsentError(f"{profile.code}: the plan sets no property-subsidy rate")
    return subsidy


def property_subsidy_terms(profile: ProgrammeProfile) -> PropertySubsidy:
    """The plan's property-service subsidy, with or without a rate (Kaifeng 六(五) "可": the payer
    states its own).

    Args:
        profile: the programme's profile.

    Returns:
        The subsidy rule; its rate and period may be None.

    Raises:
        RuleAbsentError: the plan has no property-service subsidy.
    """
    subsidy = profile.funding.property_subsidy if profile.funding else None
    if subsidy is None:
        raise RuleAbsentError(f"{profile.code}: the plan sets no property-service subsidy")
    return subsidy


def property_subsidy_fen(
    profile: ProgrammeProfile,
    floor_area_m2: Decimal | int,
    months: int,
    fen_per_m2_month: int | None = None,
) -> int:
    """The property-service subsidy for `floor_area_m2` over `months` months, in fen.

    The plan's rate is a floor (不低于), so by default this is the least a district may pay; the
    minimum period is `subsidy_rule(profile).min_months`. Whether a district may pay at another
    rate is `services/funding/domain/property_subsidy.subsidy_rate`'s question, not this one's.

    Args:
        profile: the programme's profile.
        floor_area_m2: the floor area served, in m² (Decimal or int, never float).
        months: how many months the subsidy covers.
        fen_per_m2_month: the rate the district pays; the plan's minimum when None.

    Returns:
        rate × area × months in fen, rounded half-up once.

    Raises:
        RuleAbsentError: the plan sets no rate.
        TypeError: a float area or a non-int number of months.
        ValueError: a negative or non-finite area, negative months, or a rate below 1 fen.
    """
    rate = subsidy_rule(profile).min_fen_per_m2_month if fen_per_m2_month is None else fen_per_m2_month
    assert rate is not None
    if isinstance(rate, bool) or not isinstance(rate, int) or rate < 1:
        raise ValueError(f"the rate is a positive whole number of fen per m² per month, not {rate!r}")
    if isinstance(floor_area_m2, (bool, float)) or not isinstance(floor_area_m2, (Decimal, int)):
        raise TypeError(f"floor_area_m2 must be Decimal or int, got {floor_area_m2!r}")
    if isinstance(months, bool) or not isinstance(months, int):
        raise TypeError(f"months must be an int, got {months!r}")
    area = Decimal(floor_area_m2)
    if not area.is_finite() or area < 0 or months < 0:
        raise ValueError("floor area and months must not be negative")
    amount = Decimal(rate) * area * months
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def minimum_subsidy_fen(profile: ProgrammeProfile, floor_area_m2: Decimal | int) -> int:
    """The least a district commits to for a community: the floor rate over the minimum period.

    Args:
        profile: the programme's profile.
        floor_area_m2: the floor area served, in m² (Decimal or int, never float).

    Returns:
        The minimum commitment in fen.

    Raises:
        RuleAbsentError: the plan sets no rate or no minimum period.
        TypeError: a float area.
        ValueError: a negative or non-finite area.
    """
    months = subsidy_rule(profile).min_months
    if months is None:
        raise RuleAbsentError(f"{profile.code}: the plan sets no minimum subsidy period")
    return property_subsidy_fen(profile, floor_area_m2, months)
