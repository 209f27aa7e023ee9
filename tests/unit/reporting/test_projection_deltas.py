"""What an event adds: the day it counts from, and money refused above the ceiling, not wrapped."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.reporting.domain.projections import effective_day, figure_delta
from shared.errors import RuleViolation
from shared.types import MONEY_CEILING_FEN


def test_an_event_counts_on_its_business_date_when_it_states_one() -> None:
    assert effective_day(datetime(2026, 11, 25, 3, tzinfo=UTC), date(2026, 11, 20)) == date(2026, 11, 20)


def test_otherwise_it_counts_on_its_event_time_in_shanghai() -> None:
    assert effective_day(datetime(2026, 11, 20, 17, tzinfo=UTC)) == date(2026, 11, 21)


def test_money_at_the_ceiling_is_counted() -> None:
    delta = figure_delta(
        "zhengzhou-2019", "zz-jinshui", date(2026, 11, 20), {"approved_award_fen": MONEY_CEILING_FEN}
    )
    assert delta.amounts == {"approved_award_fen": MONEY_CEILING_FEN}


@pytest.mark.parametrize(
    ("amounts", "rule"),
    [
        ({"approved_award_fen": MONEY_CEILING_FEN + 1}, "money_ceiling"),
        ({"registered_investment_fen": 2**63 - 1}, "money_ceiling"),
        ({"accepted_projects": -1}, "non_negative"),
        ({"households_fen": 1}, "unknown_figure"),
    ],
)
def test_figures_that_would_corrupt_a_sum_are_refused_with_the_rule(
    amounts: dict[str, int], rule: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        figure_delta("zhengzhou-2019", "zz-jinshui", date(2026, 11, 20), amounts)
    assert [(p.field, p.rule) for p in refused.value.errors] == [(next(iter(amounts)), rule)]


def test_signed_figures_may_fall_but_not_below_minus_the_ceiling() -> None:
    delta = figure_delta("zhengzhou-2019", "zz-jinshui", date(2026, 11, 20), {"paid_fen": -500})
    assert delta.amounts == {"paid_fen": -500}
    with pytest.raises(RuleViolation) as refused:
        figure_delta("zhengzhou-2019", "zz-jinshui", date(2026, 11, 20), {"award_adjustment_fen": -(10**14)})
    assert [p.rule for p in refused.value.errors] == ["money_ceiling"]
