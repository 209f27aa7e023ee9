"""Lifecycle refusals name what the plan lacks: the signers a step knows (or none), and the rules
a plan does not set."""

from __future__ import annotations

import pytest

from shared.policy import RuleAbsentError, get_profile, missing_sign_offs, permit_exemption
from shared.policy.rules.lifecycle import demonstration_area_rule, is_signed_off


def test_a_stranger_to_acceptance_is_told_which_roles_sign_it() -> None:
    """Zhongyuan: the completion form is signed by the street office and the community, then
    inspected by the district headquarters; a contractor signs no part of it."""
    with pytest.raises(ValueError) as caught:
        missing_sign_offs(get_profile("zhongyuan-2013"), "acceptance", {"contractor"})
    assert str(caught.value) == (
        "zhongyuan-2013: ['contractor'] sign no part of acceptance "
        "(roles: ['community', 'district-headquarters', 'street-office'])"
    )


def test_a_step_nobody_signs_says_its_roles_are_none() -> None:
    """Kaifeng's construction step needs no signature (only acceptance does, 六(四))."""
    with pytest.raises(ValueError) as caught:
        is_signed_off(get_profile("kaifeng-2019"), "construction", {"contractor"})
    assert str(caught.value) == "kaifeng-2019: ['contractor'] sign no part of construction (roles: none)"


def test_plans_without_a_permit_exemption_or_demonstration_areas_say_so() -> None:
    """Only Kaifeng 六(四) exempts from the permit; only Zhengzhou 2018 四(一) has 示范区."""
    with pytest.raises(
        RuleAbsentError, match="^zhengzhou-2019: the plan sets no construction-permit exemption$"
    ):
        permit_exemption(get_profile("zhengzhou-2019"))
    with pytest.raises(RuleAbsentError, match="^kaifeng-2019: the plan sets no demonstration areas$"):
        demonstration_area_rule(get_profile("kaifeng-2019"))
