"""Pure rules of the monthly evaluation, the forecast, indicators and restatements."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.reporting.domain.evaluations import DistrictInputs, components, evaluate, month_span
from services.reporting.domain.forecast import ForecastMethod, forecast
from services.reporting.domain.indicators import IndicatorStatus, judge
from services.reporting.domain.restatements import changes
from shared.errors import RuleViolation
from shared.policy import (
    PROFILES_DIR,
    RuleAbsentError,
    evaluation_score,
    get_profile,
    indicator,
    load_profile,
)

ZZ2019 = get_profile("zhengzhou-2019")
ZZ2018 = get_profile("zhengzhou-2018")
D = Decimal


def _all(value: Decimal | None) -> dict[str, Decimal | None]:
    return dict.fromkeys(
        ("progress", "timeliness", "first_pass_acceptance", "rectification", "payout"), value
    )


def test_the_score_is_full_marks_times_the_weighted_components() -> None:
    parts = {**_all(D(1)), "payout": D("0.5"), "first_pass_acceptance": D("0.8")}
    assert evaluation_score(ZZ2019, parts) == D("89.50")
    assert evaluation_score(ZZ2019, _all(D(0))) == D("0.00")


def test_components_with_nothing_to_measure_are_left_out_and_the_weights_rescaled() -> None:
    parts = {**_all(None), "progress": D("0.25"), "timeliness": D(0), "first_pass_acceptance": D(1)}
    assert evaluation_score(ZZ2019, parts) == D("33.33")
    assert evaluation_score(ZZ2019, _all(None)) == D("100.00")


def test_a_component_must_be_a_decimal_share_and_a_plan_without_an_evaluation_has_no_score() -> None:
    with pytest.raises(ValueError):
        evaluation_score(ZZ2019, {**_all(D(1)), "payout": 0.5})  # type: ignore[dict-item]
    with pytest.raises(ValueError):
        evaluation_score(ZZ2019, {**_all(D(1)), "payout": D("1.5")})
    with pytest.raises(RuleAbsentError):
        evaluation_score(get_profile("zhongyuan-2013"), _all(D(1)))


def test_other_weights_in_the_profile_change_the_score_with_no_code_change(tmp_path: Path) -> None:
    data: Any = yaml.safe_load((PROFILES_DIR / "zhengzhou-2019.yaml").read_text(encoding="utf-8"))
    data["supervision"]["evaluation"]["weights"] = {
        "progress": "1",
        "timeliness": "0",
        "first_pass_acceptance": "0",
        "rectification": "0",
        "payout": "0",
    }
    path = tmp_path / "zhengzhou-2019.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    profile = load_profile(path)
    assert evaluation_score(profile, {**_all(D(0)), "progress": D("0.5")}) == D("50.00")


def _inputs(**kw: int | None) -> DistrictInputs:
    base: dict[str, Any] = dict(
        district_code="zz-jinshui",
        task=10,
        done=4,
        expected_by_now=4,
        reports_due=4,
        reports_on_time=3,
        accepted=4,
        acceptance_failures=1,
        rectifications_completed=1,
        awarded_fen=100,
        paid_fen=150,
    )
    return DistrictInputs(**{**base, **kw})


def test_components_are_capped_shares_and_progress_falls_back_to_the_task_without_targets() -> None:
    parts = components(_inputs())
    assert parts == {
        "progress": D("1.0000"),
        "timeliness": D("0.7500"),
        "first_pass_acceptance": D("0.8000"),
        "rectification": D("1.0000"),
        "payout": D("1.0000"),  # overpaid is still 1
    }
    assert components(_inputs(expected_by_now=None))["progress"] == D("0.4000")
    assert components(_inputs(expected_by_now=0))["progress"] is None


def test_evaluate_ranks_best_score_first_then_district_code() -> None:
    ranked = evaluate(
        ZZ2019, [_inputs(district_code="b"), _inputs(district_code="a"), _inputs(district_code="c", done=0)]
    )
    assert [(s.rank, s.inputs.district_code) for s in ranked] == [(1, "a"), (2, "b"), (3, "c")]


def test_a_month_is_named_yyyy_mm() -> None:
    span = month_span("2020-02")
    assert (span.start, span.end, span.label) == (date(2020, 2, 1), date(2020, 2, 29), "2020-02")
    for bad in ("2020-13", "2020-2", "1989-12", "2020-02-01"):
        with pytest.raises(RuleViolation):
            month_span(bad)


def test_the_linear_forecast_continues_the_year_so_far() -> None:
    f = forecast(2019, date(2019, 7, 1), 0, 3, 1, 5)
    assert (f.projected_year_end, f.will_miss, f.pace_per_week) == (6, False, Fraction(21, 182))
    assert forecast(2019, date(2019, 7, 1), 0, 1, 0, 5).shortfall == 3
    assert forecast(2019, date(2019, 7, 1), 0, 1, 0, None).will_miss is None


def test_the_recent_forecast_uses_the_last_four_weeks_and_a_finished_year_projects_itself() -> None:
    assert forecast(2019, date(2019, 7, 1), 0, 3, 1, 5, ForecastMethod.RECENT).projected_year_end == 9
    assert forecast(2019, date(2019, 12, 31), 0, 3, 3, 5).projected_year_end == 3
    assert forecast(2019, date(2019, 1, 1), 2, 2, 0, 5).projected_year_end == 2


def test_an_indicator_is_judged_against_the_milestone_in_force() -> None:
    video = indicator(ZZ2018, "hd-video-coverage")
    assert judge(ZZ2018, video, D("0.85"), date(2019, 1, 1)).status is IndicatorStatus.MET
    assert judge(ZZ2018, video, D("0.85"), date(2021, 1, 1)).status is IndicatorStatus.NOT_MET
    assert judge(ZZ2018, video, None, date(2018, 1, 1)).status is IndicatorStatus.NO_TARGET_YET
    toilets = indicator(ZZ2018, "public-toilet-density")
    assert judge(ZZ2018, toilets, D("7"), date(2019, 1, 1)).status is IndicatorStatus.MET
    assert judge(ZZ2018, toilets, D("7.1"), date(2019, 1, 1)).status is IndicatorStatus.NOT_MET


def test_a_rising_indicator_compares_with_last_year() -> None:
    coverage = indicator(ZZ2019, "professional-property-coverage")
    on = date(2020, 12, 31)
    assert judge(ZZ2019, coverage, D("0.6"), on, D("0.5")).status is IndicatorStatus.MET
    assert judge(ZZ2019, coverage, D("0.5"), on, D("0.5")).status is IndicatorStatus.NOT_MET
    assert judge(ZZ2019, coverage, D("0.5"), on).status is IndicatorStatus.NO_PREVIOUS_YEAR


def test_restatements_list_each_changed_figure_with_its_difference() -> None:
    found = changes(
        {"a": {"done": 1, "task": 3}}, {"a": {"done": 2, "task": 3}, "b": {"done": 1}}, ("task", "done")
    )
    assert [(c.district_code, c.figure, c.published, c.now, c.change) for c in found] == [
        ("a", "done", 1, 2, 1),
        ("b", "done", 0, 1, 1),
    ]
