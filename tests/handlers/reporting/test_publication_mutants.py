"""Reporting's reads and publications, their edges, on SQLite: every read that takes a programme
refuses an unknown one with a problem naming the `programme` field; evaluations are listed newest
first; each conditional insert is built for the session's own database (PostgreSQL's or SQLite's
`INSERT .. ON CONFLICT`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.bulletins import list_bulletins
from services.reporting.handlers.evaluations import get_evaluation, list_evaluations, publish_evaluation
from services.reporting.handlers.indicators import indicator_standings
from services.reporting.handlers.restatements import restatements
from services.reporting.handlers.weekly_reports import week_reports
from services.reporting.models.evaluations import EvaluationCreate
from shared.errors import RuleViolation
from tests.handlers.reporting.events import PROGRAMME, office

UNKNOWN = "atlantis-2019"
NOV_1 = datetime(2019, 11, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai: October is over

READS: dict[str, Callable[[Any], Awaitable[Any]]] = {
    "list_evaluations": lambda s: list_evaluations(s, office(), UNKNOWN),
    "get_evaluation": lambda s: get_evaluation(s, office(), UNKNOWN, "2019-10"),
    "indicator_standings": lambda s: indicator_standings(s, office(), UNKNOWN, date(2019, 10, 1)),
    "list_bulletins": lambda s: list_bulletins(s, office(), UNKNOWN),
    "restatements": lambda s: restatements(s, office(), UNKNOWN, 5),
    "week_reports": lambda s: week_reports(s, office(), UNKNOWN, date(2019, 10, 1), NOV_1),
}


@pytest.mark.parametrize("read", list(READS), ids=list(READS))
async def test_a_read_of_an_unknown_programme_is_a_problem_naming_the_programme_field(
    harness_for, read: str
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    with pytest.raises(RuleViolation) as refused:
        await harness.run(READS[read])
    assert [(e.field, e.rule) for e in refused.value.errors] == [("programme", "unknown_programme")]


async def test_evaluations_are_listed_newest_month_first(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    for month in ("2019-08", "2019-10", "2019-09"):
        body = EvaluationCreate(programme_code=PROGRAMME, month=month)
        await harness.run(lambda s, b=body: publish_evaluation(s, office(), b, NOV_1))
    listed = await harness.run(lambda s: list_evaluations(s, office(), PROGRAMME))
    assert [e.month for e in listed] == ["2019-10", "2019-09", "2019-08"]
