"""The monthly evaluation's report inputs, their edges, on SQLite (Zhengzhou 2019 七(二): every
Friday each district reports; the evaluation counts the reports due in the month, from the first
day the programme has figures here, and those filed on time).

November 2019 begins on a Friday and has five report days (1, 8, 15, 22, 29); the programme's
first figures are dated 1 November, so all five are due. Jinshui files W44 on time, W45 late,
W48 on time, and W49 (due 6 December, outside the month) on time: 2 on time in November.
May 2019 ends on a Friday: its five report days are 3, 10, 17, 24 and 31.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.bulletins import get_bulletin
from services.reporting.handlers.evaluations import get_evaluation, publish_evaluation
from services.reporting.handlers.weekly_reports import submit_weekly_report
from services.reporting.models.evaluations import EvaluationCreate
from services.reporting.models.weekly_reports import WeeklyReportCreate
from shared.errors import NotFound
from tests.handlers.harness import ServiceHarness
from tests.handlers.reporting.events import (
    ERQI,
    JINSHUI,
    PROGRAMME,
    at,
    district,
    office,
    registered,
    shanghai,
)


def _utc(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


async def _file(harness: ServiceHarness, week_of: date, at_: datetime) -> None:
    body = WeeklyReportCreate(
        programme_code=PROGRAMME,
        week_of=week_of,
        projects_started=0,
        projects_completed=0,
        projects_accepted=0,
        investment_completed_fen=0,
        narrative="本周无新增验收。",
    )
    await harness.run(lambda s: submit_weekly_report(s, district(JINSHUI), body, at_))


async def _inputs(harness: ServiceHarness, month: str, now: datetime) -> dict[str, dict[str, int]]:
    body = EvaluationCreate(programme_code=PROGRAMME, month=month)
    published = await harness.run(lambda s: publish_evaluation(s, office(), body, now))
    return {line.district_code: line.inputs.model_dump() for line in published.districts}


async def test_reports_due_count_every_report_day_of_the_month_from_the_first_recorded_day(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.redeliver(
        at(registered(JINSHUI), shanghai(2019, 11, 1))
    )  # the first figures: Friday 1 November
    await _file(harness, date(2019, 10, 30), _utc(2019, 11, 1, 2))  # W44, on time
    await _file(harness, date(2019, 11, 6), _utc(2019, 11, 9, 2))  # W45, filed the next day: late
    await _file(harness, date(2019, 11, 27), _utc(2019, 11, 29, 2))  # W48, on time
    await _file(harness, date(2019, 12, 4), _utc(2019, 12, 6, 2))  # W49: December's
    inputs = await _inputs(harness, "2019-11", _utc(2019, 12, 10, 2))
    assert (inputs[JINSHUI]["reports_due"], inputs[JINSHUI]["reports_on_time"]) == (5, 2)
    assert (inputs[ERQI]["reports_due"], inputs[ERQI]["reports_on_time"]) == (5, 0)


async def test_a_month_ending_on_a_friday_counts_that_last_report(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.redeliver(at(registered(JINSHUI), shanghai(2019, 3, 1)))
    inputs = await _inputs(harness, "2019-05", _utc(2019, 6, 10, 2))
    assert inputs[JINSHUI]["reports_due"] == 5


async def test_an_unpublished_evaluation_or_bulletin_is_not_found_naming_it(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    with pytest.raises(NotFound) as missing:
        await harness.run(lambda s: get_evaluation(s, office(), PROGRAMME, "2019-11"))
    assert missing.value.detail == "the evaluation of 2019-11 is not published"
    unknown = uuid4()
    with pytest.raises(NotFound) as no_bulletin:
        await harness.run(lambda s: get_bulletin(s, office(), unknown))
    assert no_bulletin.value.detail == f"no bulletin {unknown}"


async def test_a_months_evaluation_is_read_for_its_own_programme_only(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.redeliver(at(registered(JINSHUI), shanghai(2019, 3, 1)))
    await _inputs(harness, "2019-05", _utc(2019, 6, 10, 2))
    found = await harness.run(lambda s: get_evaluation(s, office(), PROGRAMME, "2019-05"))
    assert (found.programme_code, found.month) == (PROGRAMME, "2019-05")
    with pytest.raises(NotFound):  # another programme's May is not this one's
        await harness.run(lambda s: get_evaluation(s, office(), "kaifeng-2019", "2019-05"))
