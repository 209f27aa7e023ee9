"""A community's programme, its eligibility with the clauses cited, and Kaifeng's library tiers (六(三))."""

from __future__ import annotations

import pytest

from services.registry.domain.programmes import assess, check_tier, programme, reasons
from shared.errors import RuleViolation


def _problems(error: RuleViolation) -> list[tuple[str, str, str]]:
    return [(p.field, p.rule, p.message) for p in error.errors]


def test_a_known_programme_is_its_profile_and_an_unknown_one_names_the_field() -> None:
    assert programme("kaifeng-2019").document_number == "汴政办〔2019〕99号"
    with pytest.raises(RuleViolation) as caught:
        programme("luoyang-2020")
    assert caught.value.detail == "unknown programme 'luoyang-2020'"
    assert _problems(caught.value) == [
        ("programme_code", "known_programme", "no programme profile 'luoyang-2020'")
    ]


def test_zhengzhou_2019_admits_a_1995_jinshui_community_and_refuses_one_built_in_2002() -> None:
    # 郑政文〔2019〕62号 二: 2002年以前建成, read as 2001 or earlier; 金水区 is one of the five inner districts.
    admitted = assess("zhengzhou-2019", "zz-jinshui", 1995, [])
    assert admitted.eligible
    assert {c.code: c.passed for c in admitted.checks}["built-year"] is True
    refused = assess("zhengzhou-2019", "zz-jinshui", 2002, [])
    assert not refused.eligible
    assert {c.code: c.passed for c in refused.checks}["built-year"] is False
    assert assess("zhengzhou-2019", "zz-jinshui", 2001, []).eligible


def test_a_community_outside_the_jurisdiction_or_excluded_is_not_eligible() -> None:
    outside = assess("kaifeng-2019", "zz-jinshui", 1995, [])
    assert not outside.eligible
    assert {c.code: c.passed for c in outside.checks}["district"] is False
    excluded = assess("zhengzhou-2019", "zz-jinshui", 1995, ["shanty-town-programme"])
    assert not excluded.eligible
    assert {c.code: c.passed for c in excluded.checks}["shanty-town-programme"] is False


def test_an_exclusion_the_programme_lacks_is_refused_on_the_exclusions_field() -> None:
    with pytest.raises(RuleViolation) as caught:
        assess("zhengzhou-2019", "zz-jinshui", 1995, ["urban-village"])
    assert "urban-village" in caught.value.detail
    assert [(p.field, p.rule) for p in caught.value.errors] == [("exclusions", "known_exclusion")]
    assert caught.value.errors[0].message == caught.value.detail
    with pytest.raises(RuleViolation) as unknown:
        assess("luoyang-2020", "zz-jinshui", 1995, [])
    assert unknown.value.errors[0].field == "programme_code"


def test_the_ledger_reasons_cite_the_document_and_clause_and_name_the_field_to_fix() -> None:
    decision = assess("kaifeng-2019", "zz-jinshui", 1995, ["urban-village"])
    stored = reasons("kaifeng-2019", decision)
    assert [(r["code"], r["passed"], r["clause"], r["field"]) for r in stored] == [
        ("built-year", True, "汴政办〔2019〕99号 四", "built_year"),
        ("district", False, "汴政办〔2019〕99号 四", "district_code"),
        ("shanty-town-programme", True, "汴政办〔2019〕99号 四", "exclusions"),
        ("self-built-housing-area", True, "汴政办〔2019〕99号 四", "exclusions"),
        ("urban-village", False, "汴政办〔2019〕99号 四", "exclusions"),
        ("three-supplies-one-property", True, "汴政办〔2019〕99号 四", "exclusions"),
    ]
    assert stored[1]["message"] == "zz-jinshui is outside the jurisdiction of kaifeng-2019"
    assert [r["message"] for r in stored] == [c.message for c in decision.checks]


@pytest.mark.parametrize("tier", ["implement", "plan", "reserve", None])
def test_kaifeng_keeps_three_library_tiers(tier: str | None) -> None:
    check_tier("kaifeng-2019", tier)


def test_a_tier_kaifeng_lacks_is_refused_listing_its_tiers() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_tier("kaifeng-2019", "urgent")
    assert caught.value.detail == "kaifeng-2019 has no project-library tier 'urgent'"
    assert _problems(caught.value) == [("tier", "programme_tier", "tiers: implement, plan, reserve")]


def test_a_programme_without_tiers_refuses_any_tier_but_takes_none() -> None:
    check_tier("zhengzhou-2019", None)
    with pytest.raises(RuleViolation) as caught:
        check_tier("zhengzhou-2019", "implement")
    assert _problems(caught.value) == [("tier", "programme_tier", "tiers: none in this programme")]
    with pytest.raises(RuleViolation) as unknown:
        check_tier("luoyang-2020", "implement")
    assert unknown.value.errors[0].field == "programme_code"
