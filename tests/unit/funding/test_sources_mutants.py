"""A project's funding sources (谁受益、谁出资): the codes a programme knows, in its profile's order
(Zhengzhou 2019 五(一) payer and co-funders, 五(二) utilities; Kaifeng 七(三) sources and utilities,
三 central funds), receipts never above a source's commitment, central funds committed only by an
allocation, and the shortfall of a plan."""

from __future__ import annotations

import pytest

from services.funding.domain.sources import (
    CITY_AWARD,
    SourceEntryKind,
    SourceLine,
    check_entry,
    shortfall,
    source_codes,
)
from shared.errors import FieldProblem, RuleViolation
from shared.policy import ProgrammeProfile, get_profile

ZHENGZHOU = get_profile("zhengzhou-2019")
KAIFENG = get_profile("kaifeng-2019")
COMMIT, RECEIVE = SourceEntryKind.COMMITMENT, SourceEntryKind.RECEIPT


def with_utility_works(profile: ProgrammeProfile, **changes: object) -> ProgrammeProfile:
    assert profile.funding is not None and profile.funding.utility_works is not None
    works = profile.funding.utility_works.model_copy(update=changes)
    return profile.model_copy(update={"funding": profile.funding.model_copy(update={"utility_works": works})})


def test_zhengzhou_sources_are_the_district_then_its_co_funders_then_the_line_utilities() -> None:
    # 五(一): 各区 pays, 政府、业主、产权单位 may contribute; 五(二): item 2's power, telecom, cable TV
    assert source_codes(ZHENGZHOU) == (
        "district",
        "government",
        "owners",
        "property-right-units",
        "power",
        "telecom",
        "cable-tv",
    )


def test_kaifeng_names_no_payer_lists_each_utility_once_and_ends_with_central_funds() -> None:
    assert source_codes(KAIFENG) == (
        "superior-subsidy",
        "units",
        "residents",
        "market",
        "enterprises",
        "financial-institutions",
        "original-property-units",
        "resident-donations",
        "water",
        "power",
        "gas",
        "heating",
        "telecom",
        "central-subsidy",
    )


def test_utilities_that_do_not_pay_for_their_own_lines_are_no_source() -> None:
    codes = source_codes(with_utility_works(ZHENGZHOU, self_funded=False))
    assert codes == ("district", "government", "owners", "property-right-units")


def test_a_programme_without_funding_rules_has_no_source_codes() -> None:
    assert source_codes(get_profile("zhongyuan-2013")) == ()


def test_an_unknown_source_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(RuleViolation) as refused:
        check_entry(ZHENGZHOU, "residents", COMMIT, 100, [])
    assert refused.value.detail == "'residents' is not a funding source of zhengzhou-2019"
    assert refused.value.errors == [
        FieldProblem(
            "source_code",
            "known_source",
            "one of: district, government, owners, property-right-units, power, telecom, cable-tv",
        )
    ]


def test_the_city_award_is_never_entered_by_hand() -> None:
    with pytest.raises(RuleViolation) as refused:
        check_entry(ZHENGZHOU, CITY_AWARD, COMMIT, 100, [])
    assert refused.value.errors[0].rule == "known_source"


def test_a_commitment_of_a_known_source_needs_no_earlier_line() -> None:
    check_entry(ZHENGZHOU, "owners", COMMIT, 10**12, [])
    check_entry(KAIFENG, "water", COMMIT, 1, [SourceLine("water", 0, 0)])


def test_central_funds_are_committed_only_by_an_allocation() -> None:
    with pytest.raises(RuleViolation) as refused:
        check_entry(KAIFENG, "central-subsidy", COMMIT, 1, [])
    assert refused.value.detail == (
        "central funds are committed only by an approved central-fund allocation to a listed project"
    )
    assert refused.value.errors == [
        FieldProblem(
            "source_code",
            "central_funds_by_allocation",
            "central funds go to listed projects through Housing's proposal and Finance's approval",
        )
    ]


def test_central_funds_received_up_to_the_allocation_are_entered_by_hand() -> None:
    check_entry(KAIFENG, "central-subsidy", RECEIVE, 400, [SourceLine("central-subsidy", 1_000, 600)])


def test_a_receipt_up_to_what_the_source_still_owes_is_accepted_one_fen_more_refused() -> None:
    lines = [SourceLine("owners", 1_000, 300), SourceLine("government", 5_000, 0)]
    check_entry(ZHENGZHOU, "owners", RECEIVE, 700, lines)
    with pytest.raises(RuleViolation) as refused:
        check_entry(ZHENGZHOU, "owners", RECEIVE, 701, lines)
    assert refused.value.detail == "a receipt cannot exceed what the source committed"
    assert refused.value.errors == [
        FieldProblem("amount_fen", "receipt_within_commitment", "at most 700 fen")
    ]


def test_a_receipt_from_a_source_that_committed_nothing_is_refused() -> None:
    # another source's commitment does not cover it
    lines = [SourceLine("government", 5_000, 0)]
    with pytest.raises(RuleViolation) as refused:
        check_entry(ZHENGZHOU, "owners", RECEIVE, 1, lines)
    assert refused.value.errors[0].message == "at most 0 fen"
    check_entry(ZHENGZHOU, "owners", RECEIVE, 0, lines)


def test_the_shortfall_is_what_no_source_covers_never_negative() -> None:
    assert shortfall(None, 500) is None
    assert shortfall(1_000, 400) == 600
    assert shortfall(1_000, 1_000) == 0
    assert shortfall(1_000, 1_001) == 0
    assert shortfall(0, 0) == 0
