"""The monthly evaluation (月考评, Kaifeng 七(七); Zhengzhou 2019 七(四) 定期考核): components, ranks, months.

Each component is a share from 0 to 1, kept to four places rounded half up, and left out when there
is nothing to measure; the inputs are frozen into the published evaluation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from services.reporting.domain.evaluations import (
    DistrictInputs,
    check_publishable,
    components,
    evaluate,
    month_span,
)
from services.reporting.domain.periods import Period, period_span
from shared.errors import InvalidState, RuleViolation
from shared.policy import evaluation_score, get_profile

D = Decimal
ZZ2019 = get_profile("zhengzhou-2019")


def _inputs(**kw: Any) -> DistrictInputs:
    base: dict[str, Any] = dict(
        district_code="zz-jinshui",
        task=10,
        done=4,
        expected_by_now=8,
        reports_due=4,
        reports_on_time=3,
        accepted=4,
        acceptance_failures=1,
        rectifications_completed=1,
        awarded_fen=100_00,
        paid_fen=40_00,
    )
    return DistrictInputs(**{**base, **kw})


def test_each_component_is_its_own_share() -> None:
    assert components(_inputs()) == {
        "progress": D("0.5000"),  # 4 accepted of the 8 due by the month's end
        "timeliness": D("0.7500"),  # 3 of 4 reports on time
        "first_pass_acceptance": D("0.8000"),  # 4 passed of 5 inspections (one failed)
        "rectification": D("1.0000"),  # 1 rectification of the 1 ordered
        "payout": D("0.4000"),  # 40 of 100 yuan paid
    }


def test_a_share_is_rounded_half_up_to_four_places() -> None:
    parts = components(_inputs(reports_due=32, reports_on_time=1, expected_by_now=3, done=2))
    assert parts["timeliness"] == D("0.0313")  # 1/32 = 0.03125: half up, not to even (0.0312)
    assert parts["progress"] == D("0.6667")  # 2/3
    assert str(parts["timeliness"]) == "0.0313"


def test_nothing_done_is_zero_and_a_negative_figure_counts_as_nothing() -> None:
    parts = components(_inputs(done=0, reports_on_time=0, paid_fen=-500, rectifications_completed=0))
    assert (parts["progress"], parts["timeliness"], parts["payout"], parts["rectification"]) == (
        D(0),
        D(0),
        D(0),
        D(0),
    )
    assert str(parts["payout"]) == "0.0000"


def test_a_share_of_one_is_whole_and_more_is_capped_at_one() -> None:
    parts = components(_inputs(done=1, expected_by_now=1, paid_fen=100_01, reports_on_time=5))
    assert (parts["progress"], parts["payout"], parts["timeliness"]) == (D(1), D(1), D(1))


def test_a_component_with_nothing_to_measure_is_left_out() -> None:
    parts = components(
        _inputs(reports_due=0, accepted=0, acceptance_failures=0, rectifications_completed=0, awarded_fen=0)
    )
    assert parts == {
        "progress": D("0.5000"),
        "timeliness": None,
        "first_pass_acceptance": None,
        "rectification": None,
        "payout": None,
    }


def test_a_single_inspection_or_report_is_measured() -> None:
    parts = components(_inputs(reports_due=1, reports_on_time=1, accepted=0, acceptance_failures=1))
    assert (parts["timeliness"], parts["first_pass_acceptance"], parts["rectification"]) == (
        D(1),
        D(0),
        D(1),
    )
    only_passed = components(_inputs(accepted=1, acceptance_failures=0))
    assert (only_passed["first_pass_acceptance"], only_passed["rectification"]) == (D(1), None)


def test_progress_without_yearly_targets_is_accepted_of_the_task() -> None:
    assert components(_inputs(expected_by_now=None, done=3, task=8))["progress"] == D("0.3750")
    assert components(_inputs(expected_by_now=None, done=0, task=0))["progress"] is None


def test_the_frozen_figures_leave_out_the_district_and_a_missing_trajectory() -> None:
    assert _inputs().figures() == {
        "task": 10,
        "done": 4,
        "expected_by_now": 8,
        "reports_due": 4,
        "reports_on_time": 3,
        "accepted": 4,
        "acceptance_failures": 1,
        "rectifications_completed": 1,
        "awarded_fen": 100_00,
        "paid_fen": 40_00,
    }
    without = _inputs(expected_by_now=None).figures()
    assert "expected_by_now" not in without and "district_code" not in without
    assert without["task"] == 10 and len(without) == 9
    assert _inputs(done=0).figures()["done"] == 0  # a zero is a figure, not a gap


def test_the_ranking_scores_each_district_from_its_own_components() -> None:
    weak = _inputs(district_code="zz-erqi", done=2)
    strong = _inputs(district_code="zz-huiji", done=8)
    ranked = evaluate(ZZ2019, [weak, strong])
    assert [(s.rank, s.inputs.district_code) for s in ranked] == [(1, "zz-huiji"), (2, "zz-erqi")]
    best, second = ranked
    assert best.components == components(strong) and second.components == components(weak)
    assert best.score == evaluation_score(ZZ2019, components(strong))
    assert second.score == evaluation_score(ZZ2019, components(weak))
    assert best.score > second.score


def test_equal_scores_rank_by_district_code_and_ranks_count_from_one() -> None:
    ranked = evaluate(ZZ2019, [_inputs(district_code=c) for c in ("zz-jinshui", "zz-erqi", "zz-huiji")])
    assert [(s.rank, s.inputs.district_code) for s in ranked] == [
        (1, "zz-erqi"),
        (2, "zz-huiji"),
        (3, "zz-jinshui"),
    ]
    assert evaluate(ZZ2019, []) == []


# --- the month -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("1990-01", date(1990, 1, 1), date(1990, 1, 31)),
        ("2100-12", date(2100, 12, 1), date(2100, 12, 31)),
        ("2019-02", date(2019, 2, 1), date(2019, 2, 28)),
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
    ],
)
def test_a_month_between_1990_and_2100_is_its_calendar_month(label: str, start: date, end: date) -> None:
    span = month_span(label)
    assert (span.period, span.start, span.end, span.label) == (Period.MONTH, start, end, label)


@pytest.mark.parametrize(
    "label", ["1989-12", "2101-01", "2026-00", "2026-13", "2026-1", " 2026-11", "2026-11\n"]
)
def test_anything_else_is_refused_naming_the_field(label: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        month_span(label)
    assert [(p.field, p.rule, p.message) for p in refused.value.errors] == [
        ("month", "month_format", "a month as YYYY-MM, e.g. 2026-10")
    ]
    assert refused.value.detail == f"{label!r} is not a month"
    with pytest.raises(RuleViolation) as named:
        month_span(label, "from_month")
    assert [p.field for p in named.value.errors] == ["from_month"]


def test_a_month_is_published_once_it_is_over_in_shanghai() -> None:
    october = period_span(Period.MONTH, date(2026, 10, 15))
    check_publishable(october, datetime(2026, 10, 31, 16, 0, tzinfo=UTC))  # 11-01 00:00 in Shanghai
    check_publishable(october, datetime(2026, 11, 2, tzinfo=UTC))
    with pytest.raises(InvalidState) as refused:
        check_publishable(october, datetime(2026, 10, 31, 15, 59, 59, tzinfo=UTC))
    assert (refused.value.current, refused.value.allowed) == ("open", [])
    assert [(p.field, p.rule, p.message) for p in refused.value.errors] == [
        ("month", "period_not_over", "publish after 2026-10-31 (Asia/Shanghai)")
    ]
    assert refused.value.detail == "month 2026-10 is not over: evaluate it after 2026-10-31 (Asia/Shanghai)"
