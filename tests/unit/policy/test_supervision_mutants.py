"""Supervision rules at their edges: checklists, mixed dated and undated thresholds, exact measures,
a deadline due on the day the plan was issued, and the refusals that name what is missing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import load_mutated

from shared.policy import (
    RuleAbsentError,
    cumulative_target_share,
    deadline_status,
    deadlines,
    get_profile,
    indicator,
    indicators_for,
    meets_indicator,
    milestone_in_force,
    past_at_issue,
    standard,
    yearly_targets,
)
from shared.policy.models.lifecycle import DeadlineStatus

ZHENGZHOU_2018 = get_profile("zhengzhou-2018")
KAIFENG = get_profile("kaifeng-2019")


def _key_error_text(caught: pytest.ExceptionInfo[KeyError]) -> str:
    return str(caught.value.args[0])


# --- checklists (no unit test reached `standard` before) ------------------------------------------


def test_zhengzhou_2018_nine_musts_are_its_checklist() -> None:
    """三(九): 路要平整、绿要提质、灯要明亮、水要畅通、车要有序、线要规整、面要美观、违章要拆除、设施要齐全."""
    musts = standard(ZHENGZHOU_2018, "nine-musts")
    assert musts.code == "nine-musts"
    assert len(musts.items) == 9
    assert [i.name_zh for i in musts.items[:3]] == ["路要平整", "绿要提质", "灯要明亮"]
    assert standard(ZHENGZHOU_2018, "ten-nos").code == "ten-nos"


def test_a_checklist_the_plan_lacks_is_a_key_error_naming_it() -> None:
    with pytest.raises(KeyError) as caught:
        standard(KAIFENG, "nine-musts")
    assert _key_error_text(caught) == "kaifeng-2019: no standard 'nine-musts'"


# --- refusals name the plan and what it lacks ----------------------------------------------------


def test_a_plan_without_yearly_shares_says_so() -> None:
    with pytest.raises(RuleAbsentError, match="^kaifeng-2019: the plan sets no yearly targets$"):
        yearly_targets(KAIFENG)


def test_an_unknown_indicator_and_district_are_named() -> None:
    with pytest.raises(KeyError) as caught:
        indicator(KAIFENG, "no-such")
    assert _key_error_text(caught) == "kaifeng-2019: no indicator 'no-such'"
    with pytest.raises(KeyError) as caught:
        indicators_for(KAIFENG, "nowhere")
    assert _key_error_text(caught) == "kaifeng-2019: 'nowhere' is outside the jurisdiction"


def test_an_unknown_deadline_and_another_plans_deadline_are_named() -> None:
    with pytest.raises(KeyError) as caught:
        deadline_status(KAIFENG, "no-such", date(2020, 1, 1))
    assert _key_error_text(caught) == "kaifeng-2019: no deadline 'no-such'"
    zhongyuan_first = deadlines(get_profile("zhongyuan-2013"))[0]
    with pytest.raises(KeyError) as caught:
        past_at_issue(KAIFENG, zhongyuan_first)
    assert _key_error_text(caught) == "kaifeng-2019: deadline 'budget-and-tender' is not in this plan"


# --- yearly shares --------------------------------------------------------------------------------


def test_cumulative_share_before_the_first_year_is_a_decimal_zero() -> None:
    """Zhengzhou 2018 plans 20/40/40% for 2018–2020: nothing is planned before 2018, as a Decimal."""
    before = cumulative_target_share(ZHENGZHOU_2018, 2017)
    assert isinstance(before, Decimal) and before == 0
    assert cumulative_target_share(ZHENGZHOU_2018, 2019) == Decimal("0.6")


# --- thresholds -----------------------------------------------------------------------------------


def _with_undated_fallback(tmp_path: Path) -> Any:
    """HD video coverage with its 2018 target, then an undated 50% listed after it."""

    def change(data: dict[str, Any]) -> None:
        (video,) = [i for i in data["supervision"]["indicators"] if i["code"] == "hd-video-coverage"]
        video["milestones"] = [{"value": "0.80", "by": date(2018, 12, 31)}, {"value": "0.50"}]

    return load_mutated(tmp_path, "zhengzhou-2018", change)


def test_a_dated_threshold_in_force_wins_over_an_undated_one_listed_after_it(tmp_path: Path) -> None:
    """The latest dated milestone on or before the day; failing that the undated one."""
    profile = _with_undated_fallback(tmp_path)
    after = milestone_in_force(profile, "hd-video-coverage", date(2019, 6, 1))
    assert after is not None and after.value == Decimal("0.80") and after.by == date(2018, 12, 31)
    before = milestone_in_force(profile, "hd-video-coverage", date(2018, 6, 1))
    assert before is not None and before.value == Decimal("0.50") and before.by is None
    assert not meets_indicator(profile, "hd-video-coverage", Decimal("0.6"), date(2019, 6, 1))
    assert meets_indicator(profile, "hd-video-coverage", Decimal("0.6"), date(2018, 6, 1))


@pytest.mark.parametrize("value", [True, "0.9", 0.9, None])
def test_a_measure_must_be_decimal_or_int(value: Any) -> None:
    """A boolean or a string is no measure either: only Decimal or int compares exactly."""
    with pytest.raises(TypeError) as caught:
        meets_indicator(ZHENGZHOU_2018, "hd-video-coverage", value, date(2019, 6, 1))
    assert str(caught.value) == f"value must be Decimal or int, never float (got {value!r})"


def test_last_years_value_must_be_exact_too_and_is_named_previous() -> None:
    """Zhengzhou 2019's professional property coverage rises year on year (逐年提高)."""
    profile = get_profile("zhengzhou-2019")
    code = "professional-property-coverage"
    with pytest.raises(TypeError) as caught:
        meets_indicator(profile, code, Decimal("0.5"), date(2020, 1, 1), previous=0.4)  # type: ignore[arg-type]
    assert str(caught.value) == "previous must be Decimal or int, never float (got 0.4)"
    assert meets_indicator(profile, code, Decimal("0.5"), date(2020, 1, 1), previous=Decimal("0.4"))


# --- a deadline due on the issue day --------------------------------------------------------------


def test_a_deadline_due_on_the_issue_day_is_not_past_at_issue(tmp_path: Path) -> None:
    """Kaifeng 六(三)'s county plan was due 2019-12-15, before the plan of 2019-12-29: past at issue.
    Due on 2019-12-29 itself it could still be met that day, so it is open then and passed after."""

    def due_on_issue(data: dict[str, Any]) -> None:
        for stage in data["lifecycle"]["stages"]:
            for deadline in stage.get("deadlines", []):
                if deadline["code"] == "county-implementation-plan":
                    deadline["due_on"] = date(2019, 12, 29)

    assert past_at_issue(KAIFENG, "county-implementation-plan")
    profile = load_mutated(tmp_path, "kaifeng-2019", due_on_issue)
    assert profile.issued_on == date(2019, 12, 29)
    assert not past_at_issue(profile, "county-implementation-plan")
    assert deadline_status(profile, "county-implementation-plan", date(2019, 12, 29)) is DeadlineStatus.OPEN
    assert deadline_status(profile, "county-implementation-plan", date(2019, 12, 30)) is DeadlineStatus.PASSED
