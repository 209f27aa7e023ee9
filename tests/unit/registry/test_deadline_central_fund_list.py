"""Kaifeng's central-fund list (三: 117 communities) bounds the ledger's flag; the deadlines of the
list bind its communities only (see test_deadline_standing)."""

from __future__ import annotations

import pytest

from services.registry.domain.areas import check_central_fund_list
from shared.errors import RuleViolation
from shared.policy import get_profile

KAIFENG = get_profile("kaifeng-2019")


def test_the_117th_community_fits_on_the_list_and_the_118th_does_not() -> None:
    check_central_fund_list(KAIFENG, 116)
    with pytest.raises(RuleViolation) as caught:
        check_central_fund_list(KAIFENG, 117)
    assert [(p.field, p.rule) for p in caught.value.errors] == [
        ("centrally_funded", "central_fund_list_full")
    ]
    assert "117" in caught.value.detail


@pytest.mark.parametrize("programme", ["zhengzhou-2019", "zhengzhou-2018", "zhongyuan-2013"])
def test_a_programme_without_a_central_fund_list_flags_no_community(programme: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        check_central_fund_list(get_profile(programme), 0)
    assert [(p.field, p.rule) for p in caught.value.errors] == [("centrally_funded", "central_fund_list")]
