"""The residents' consultation (`services.registry.domain.consultation`): figures that cannot be
true of one consultation are refused, and a plan waits for the profile's threshold where a
profile states one (no plan in the seeds does: Zhengzhou 2019 四(二)/四(三), Kaifeng 六(二))."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from services.registry.domain.consultation import (
    ConsultationThreshold,
    check_consultation,
    check_threshold_met,
    consultation_threshold,
    publicity_days,
    share_in_favour,
)
from shared.errors import FieldProblem, RuleViolation
from shared.policy import StageCode, get_profile
from shared.policy.errors import ProfileError
from shared.policy.models.lifecycle import Stage
from tests.unit.registry.consent import with_consent

NOTICE_FROM, NOTICE_TO = date(2020, 3, 1), date(2020, 3, 7)


def refusal(call: object, *args: object) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


@pytest.mark.parametrize("code", ["kaifeng-2019", "zhengzhou-2019", "zhengzhou-2018", "zhongyuan-2013"])
def test_no_plan_in_the_seeds_states_a_threshold(code: str) -> None:
    assert consultation_threshold(get_profile(code)) is None


def test_a_stated_threshold_is_read_from_the_profile_yaml_as_a_decimal_share_and_whole_days(
    tmp_path: Path,
) -> None:
    profile = with_consent(tmp_path, share_in_favour="0.667", publicity_days=7, clause="四(二)")
    assert consultation_threshold(profile) == ConsultationThreshold(Decimal("0.667"), 7)


def test_a_threshold_may_state_only_the_publicity_period_or_only_the_share(tmp_path: Path) -> None:
    (tmp_path / "days").mkdir()
    (tmp_path / "share").mkdir()
    only_days = with_consent(tmp_path / "days", publicity_days=5)
    assert consultation_threshold(only_days) == ConsultationThreshold(None, 5)
    only_share = with_consent(tmp_path / "share", share_in_favour="0.5")
    assert consultation_threshold(only_share) == ConsultationThreshold(Decimal("0.5"), None)


@pytest.mark.parametrize(
    ("consent", "path", "rule"),
    [
        ({}, "consent.consent", "state share_in_favour, publicity_days or both"),
        ({"share_in_favour": "1.2"}, "consent.share_in_favour", "less than or equal to 1"),
        ({"share_in_favour": "0"}, "consent.consent", "share_in_favour must be above 0"),
        ({"publicity_days": 0}, "consent.publicity_days", "greater than or equal to 1"),
        ({"share_in_favour": 0.5}, "consent.share_in_favour", "float 0.5 is refused"),
        ({"share": "0.5"}, "consent.share", "unknown field"),
    ],
)
def test_a_threshold_that_cannot_be_met_or_read_is_refused_when_the_profile_loads(
    tmp_path: Path, consent: dict[str, object], path: str, rule: str
) -> None:
    with pytest.raises(ProfileError) as refused:
        with_consent(tmp_path, **consent)
    (where, why), *others = refused.value.problems
    assert (where, others) == (f"lifecycle.stages[1].{path}", [])  # the consultation is the second step
    assert rule in why


def test_only_the_consultation_step_states_a_threshold() -> None:
    planning = get_profile("zhengzhou-2019").lifecycle.stage(StageCode.PLANNING)
    assert planning is not None
    with pytest.raises(ValidationError, match="only the consultation step states a threshold"):
        Stage.model_validate({**planning.model_dump(), "consent": {"publicity_days": 5}})


def test_no_consultation_step_means_no_threshold() -> None:
    no_step = SimpleNamespace(lifecycle=SimpleNamespace(stage=lambda code: None))
    assert consultation_threshold(no_step) is None  # type: ignore[arg-type]


def test_the_share_in_favour_is_rounded_half_up_to_four_places() -> None:
    assert share_in_favour(2, 3) == Decimal("0.6667")
    assert share_in_favour(1, 3) == Decimal("0.3333")
    assert share_in_favour(1, 20000) == Decimal("0.0001")  # 0.00005: half-up, not half-even
    assert str(share_in_favour(1, 8)) == "0.1250"
    assert share_in_favour(3, 3) == Decimal("1")


def test_publicity_counts_both_the_first_and_the_last_day() -> None:
    assert publicity_days(NOTICE_FROM, NOTICE_FROM) == 1
    assert publicity_days(NOTICE_FROM, NOTICE_TO) == 7


def test_consistent_figures_at_every_limit_pass() -> None:
    check_consultation(300, 300, 300, NOTICE_FROM, NOTICE_FROM, NOTICE_FROM)


def test_each_impossible_figure_is_named_with_its_field() -> None:
    error = refusal(check_consultation, 300, 301, 302, NOTICE_TO, NOTICE_FROM, date(2020, 3, 6))
    assert error.errors == [
        FieldProblem("households_consulted", "at_most_households", "the community has 300"),
        FieldProblem("households_in_favour", "at_most_consulted", "301 were consulted"),
        FieldProblem("publicity_to", "not_before_publicity_from", "the notice ends after it starts"),
        FieldProblem("consulted_on", "not_before_publicity_from", "consult once the notice is up"),
    ]
    assert error.detail == "the consultation's figures are inconsistent"


def test_one_impossible_figure_alone_is_refused() -> None:
    error = refusal(check_consultation, 300, 200, 201, NOTICE_FROM, NOTICE_TO, NOTICE_TO)
    assert [p.rule for p in error.errors] == ["at_most_consulted"]


def test_without_a_threshold_any_recorded_consultation_lets_the_plan_go() -> None:
    check_threshold_met(None, 0, 0, NOTICE_TO, NOTICE_FROM)


def test_exactly_the_threshold_is_enough() -> None:
    threshold = ConsultationThreshold(Decimal("0.6667"), 7)
    check_threshold_met(threshold, 3, 2, NOTICE_FROM, NOTICE_TO)


def test_a_share_or_a_period_just_short_of_the_threshold_is_refused_saying_what_is_short() -> None:
    threshold = ConsultationThreshold(Decimal("0.6667"), 7)
    error = refusal(check_threshold_met, threshold, 3000, 2000, NOTICE_FROM, date(2020, 3, 6))
    assert error.errors == [  # 2000 / 3000 rounds to 0.6667: the share is enough, the days are not
        FieldProblem("consultation", "publicity_period", "publicity ran 6 days; the programme needs 7")
    ]
    error = refusal(check_threshold_met, threshold, 10000, 6666, NOTICE_FROM, date(2020, 3, 6))
    assert error.errors == [
        FieldProblem(
            "consultation",
            "consultation_threshold",
            "0.6666 of households in favour; the programme needs 0.6667",
        ),
        FieldProblem("consultation", "publicity_period", "publicity ran 6 days; the programme needs 7"),
    ]
    assert error.detail == "the residents' consultation does not meet the programme's threshold"


def test_a_threshold_of_only_days_ignores_the_share_and_one_of_only_share_ignores_the_days() -> None:
    check_threshold_met(ConsultationThreshold(None, 7), 10, 0, NOTICE_FROM, NOTICE_TO)
    error = refusal(check_threshold_met, ConsultationThreshold(None, 8), 10, 10, NOTICE_FROM, NOTICE_TO)
    assert [p.rule for p in error.errors] == ["publicity_period"]
    check_threshold_met(ConsultationThreshold(Decimal("0.5"), None), 10, 5, NOTICE_FROM, NOTICE_FROM)
    error = refusal(
        check_threshold_met, ConsultationThreshold(Decimal("0.5"), None), 10, 4, NOTICE_FROM, NOTICE_TO
    )
    assert [p.rule for p in error.errors] == ["consultation_threshold"]
