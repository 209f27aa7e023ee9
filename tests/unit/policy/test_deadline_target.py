"""One deadline for the whole programme (Kaifeng 三: 2021年6月底前，基本完成…改造工作): the share due
grows evenly by day from the plan's issue, 2019-12-29, to 2021-06-30 (550 days, both ends in)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from pydantic import ValidationError

from shared.policy import ProgrammeProfile, get_profile, has_targets, share_due_by, target_horizon

KAIFENG = get_profile("kaifeng-2019")


@pytest.mark.parametrize(
    ("day", "share"),
    [
        (date(2019, 12, 28), Fraction(0)),  # before the plan
        (date(2019, 12, 29), Fraction(1, 550)),  # its first day counts
        (date(2020, 12, 31), Fraction(369, 550)),  # 3 days of 2019 and 366 of 2020
        (date(2021, 6, 29), Fraction(549, 550)),
        (date(2021, 6, 30), Fraction(1)),
        (date(2022, 1, 1), Fraction(1)),  # never more than all of it
    ],
)
def test_the_share_due_grows_by_day_to_the_deadline(day: date, share: Fraction) -> None:
    assert share_due_by(KAIFENG, day) == share


def test_yearly_shares_are_unchanged_by_it() -> None:
    """Zhengzhou 2019 一(三): 50% in 2019, grown by day: 1 July is day 182 of 365."""
    zz = get_profile("zhengzhou-2019")
    assert share_due_by(zz, date(2019, 7, 1)) == Fraction(1, 2) * Fraction(182, 365)
    assert share_due_by(zz, date(2020, 1, 1)) == Fraction(1, 2) + Fraction(1, 2) * Fraction(1, 366)


def test_the_years_target_is_counted_to_the_deadline_when_it_falls_inside_the_year() -> None:
    assert target_horizon(KAIFENG, date(2021, 3, 1)) == date(2021, 6, 30)
    assert target_horizon(KAIFENG, date(2020, 3, 1)) == date(2020, 12, 31)
    assert target_horizon(KAIFENG, date(2021, 7, 1)) == date(2021, 12, 31)  # past it: the year's end
    assert target_horizon(get_profile("zhengzhou-2019"), date(2019, 3, 1)) == date(2019, 12, 31)


def test_which_plans_set_a_pace() -> None:
    assert {
        code: has_targets(get_profile(code))
        for code in ("kaifeng-2019", "zhengzhou-2019", "zhengzhou-2018", "zhongyuan-2013")
    } == {
        "kaifeng-2019": True,
        "zhengzhou-2019": True,
        "zhengzhou-2018": True,
        "zhongyuan-2013": False,
    }


def test_a_stated_start_replaces_the_issue_date() -> None:
    data = KAIFENG.model_dump(mode="json", exclude_none=True)
    data["supervision"]["deadline_target"]["starts_on"] = "2020-07-01"
    profile = ProgrammeProfile.model_validate(data)
    assert share_due_by(profile, date(2020, 6, 30)) == 0
    assert share_due_by(profile, date(2020, 7, 1)) == Fraction(1, 365)  # 2020-07-01 .. 2021-06-30


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"starts_on": "2021-07-01"}, "starts_on: 2021-07-01 is after due_on 2021-06-30"),
        ({"due_on": "not a day"}, "valid date"),
    ],
)
def test_a_deadline_that_cannot_be_read_is_refused(change: dict[str, str], says: str) -> None:
    data = KAIFENG.model_dump(mode="json", exclude_none=True)
    data["supervision"]["deadline_target"].update(change)
    with pytest.raises(ValidationError, match=says):
        ProgrammeProfile.model_validate(data)


def test_yearly_shares_and_a_deadline_are_not_both_stated() -> None:
    data = KAIFENG.model_dump(mode="json", exclude_none=True)
    data["supervision"]["yearly_targets"] = {
        "basis": "community_count",
        "shares": {"2020": "1"},
        "clause": "三",
    }
    with pytest.raises(ValidationError, match="yearly shares or one deadline, not both"):
        ProgrammeProfile.model_validate(data)
