"""Which programme a request speaks of: the profile, or a refusal naming the field; bound districts."""

from __future__ import annotations

import pytest

from services.reporting.domain.programmes import (
    ProgrammeCode,
    WeeklyReportProgramme,
    bound_districts,
    programme,
)
from shared.errors import RuleViolation
from shared.policy import ProgrammeProfile, UnknownProgrammeError, bundled_profiles, get_profile


def test_a_known_code_gives_its_profile() -> None:
    assert programme(get_profile, "kaifeng-2019").code == "kaifeng-2019"


@pytest.mark.parametrize("error", [UnknownProgrammeError("nope"), KeyError("nope")])
def test_an_unknown_code_is_refused_naming_the_default_field(error: Exception) -> None:
    def lookup(code: str) -> ProgrammeProfile:
        raise error

    with pytest.raises(RuleViolation) as caught:
        programme(lookup, "nope")
    assert caught.value.detail == "no programme 'nope'"
    assert [p.as_dict() for p in caught.value.errors] == [
        {"field": "programme_code", "rule": "unknown_programme", "message": "use a programme's code"}
    ]
    assert caught.value.__cause__ is error


def test_the_refusal_names_the_field_the_caller_gives() -> None:
    with pytest.raises(RuleViolation) as caught:
        programme(get_profile, "shanghai-2030", field="filter.programme")
    assert caught.value.errors[0].field == "filter.programme"


def test_other_lookup_errors_are_not_turned_into_refusals() -> None:
    def broken(code: str) -> ProgrammeProfile:
        raise ValueError("profile file unreadable")

    with pytest.raises(ValueError, match="unreadable"):
        programme(broken, "kaifeng-2019")


def test_zhengzhou_2019_binds_the_five_urban_districts_not_those_following_by_reference() -> None:
    # Zhengzhou 2019: 市内五区 bound; the development zones and counties 参照执行.
    assert bound_districts(get_profile("zhengzhou-2019")) == (
        "zz-zhongyuan",
        "zz-erqi",
        "zz-jinshui",
        "zz-guancheng",
        "zz-huiji",
    )
    assert bound_districts(get_profile("zhongyuan-2013")) == ("zz-zhongyuan",)


def test_programme_code_lists_every_bundled_profile() -> None:
    assert {member.value for member in ProgrammeCode} == set(bundled_profiles())


def test_weekly_report_programmes_are_those_asking_for_weekly_reports() -> None:
    expected = {code for code, p in bundled_profiles().items() if p.supervision.weekly_report is not None}
    assert {member.value for member in WeeklyReportProgramme} == expected
    assert "kaifeng-2019" in expected
