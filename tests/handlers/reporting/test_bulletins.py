"""The weekly bulletin on SQLite: ranked against the profile's targets, frozen, restated next week."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.bulletins import get_bulletin, list_bulletins, publish_bulletin
from services.reporting.handlers.targets import district_progress
from services.reporting.handlers.weekly_reports import submit_weekly_report
from services.reporting.models.bulletins import BulletinCreate
from services.reporting.models.weekly_reports import WeeklyReportCreate
from shared.errors import Conflict, Forbidden, InvalidState
from tests.handlers.reporting.events import (
    ERQI,
    JINSHUI,
    PROGRAMME,
    accepted,
    at,
    department,
    district,
    office,
    registered,
    shanghai,
)

W27 = date(2019, 7, 3)  # ISO week 2019-W27: Monday 1 July to Sunday 7 July
MONDAY_AFTER = datetime(2019, 7, 8, 2, 0, tzinfo=UTC)


async def _city(harness) -> None:  # type: ignore[no-untyped-def]
    """Jinshui: 10 projects, 4 accepted (2 this week). Erqi: 10 projects, 1 accepted."""
    for code, done in ((JINSHUI, 4), (ERQI, 1)):
        for n in range(10):
            await harness.redeliver(at(registered(code), shanghai(2019, 3, 1)))
            if n < done:
                on = date(2019, 7, 2) if code == JINSHUI and n < 2 else date(2019, 5, 10)
                await harness.redeliver(at(accepted(code, accepted_on=on), shanghai(2019, 7, 2)))
    body = WeeklyReportCreate(
        programme_code=PROGRAMME,
        week_of=W27,
        projects_started=0,
        projects_completed=2,
        projects_accepted=2,
        investment_completed_fen=0,
        narrative="两个小区通过验收。",
    )
    await harness.run(
        lambda s: submit_weekly_report(s, district(JINSHUI), body, datetime(2019, 7, 5, 2, tzinfo=UTC))
    )


def _publish(week_of: date = W27) -> BulletinCreate:
    return BulletinCreate(programme_code=PROGRAMME, week_of=week_of)


async def test_the_bulletin_ranks_districts_and_names_laggards_and_late_reporters(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    bulletin = await harness.run(lambda s: publish_bulletin(s, office(), _publish(), MONDAY_AFTER))
    assert (bulletin.week, bulletin.as_of) == ("2019-W27", date(2019, 7, 7))
    top, second = bulletin.standings[:2]
    assert (top.rank, top.district_code, top.done, top.task, top.done_share) == (1, JINSHUI, 4, 10, "0.4000")
    assert top.accepted_this_week == 2 and top.report_status == "on_time" and not top.lagging
    # 一(三): half the task in 2019, spread by day: 10 × 0.5 × 188/365 = 2.58 → 2 due by 7 July
    assert (second.district_code, second.expected_by_now, second.lagging) == (ERQI, 2, True)
    assert second.report_status == "missing"
    assert bulletin.lagging == [ERQI]
    assert bulletin.late_reports == ["zz-erqi", "zz-guancheng", "zz-huiji", "zz-zhongyuan"]
    assert bulletin.restatements == []

    events = await harness.outbox()
    assert [e.type for e in events] == ["reporting.bulletin.published.v1", "reporting.district.lagging.v1"]
    assert (events[0].data["districts"], events[0].data["lagging"], events[0].data["late_reports"]) == (
        5,
        1,
        4,
    )
    assert events[0].districtcode is None  # city-wide: the ranking is read through the API
    assert (events[1].data["district_code"], events[1].data["needed_per_week"]) == (ERQI, 1)
    assert "bulletin.published" in await harness.audit_actions()


async def test_a_published_bulletin_is_frozen_and_later_events_are_restated_next_week(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    first = await harness.run(lambda s: publish_bulletin(s, office(), _publish(), MONDAY_AFTER))
    with pytest.raises(Conflict):
        await harness.run(lambda s: publish_bulletin(s, office(), _publish(), MONDAY_AFTER))

    # an acceptance dated inside W27 arrives after the bulletin was published
    await harness.redeliver(at(accepted(ERQI, accepted_on=date(2019, 7, 4)), shanghai(2019, 7, 9)))
    again = await harness.run(lambda s: get_bulletin(s, office(), first.id))
    assert [(s.district_code, s.done) for s in again.standings[:2]] == [(JINSHUI, 4), (ERQI, 1)]

    second = await harness.run(
        lambda s: publish_bulletin(
            s, office(), _publish(date(2019, 7, 10)), datetime(2019, 7, 15, 2, tzinfo=UTC)
        )
    )
    assert [
        (r.week, r.district_code, r.figure, r.published, r.now, r.change) for r in second.restatements
    ] == [("2019-W27", ERQI, "done", 1, 2, 1)]
    listed = await harness.run(lambda s: list_bulletins(s, office(), PROGRAMME))
    assert [b.week for b in listed] == ["2019-W28", "2019-W27"]
    # a district sees its own restatements only, as it sees only its own standing
    as_erqi = await harness.run(lambda s: get_bulletin(s, district(ERQI), second.id))
    as_jinshui = await harness.run(lambda s: get_bulletin(s, district(JINSHUI), second.id))
    assert [r.district_code for r in as_erqi.restatements] == [ERQI]
    assert as_jinshui.restatements == []


async def test_only_the_office_publishes_and_only_after_the_week_is_over(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    with pytest.raises(Forbidden):
        await harness.run(lambda s: publish_bulletin(s, department(), _publish(), MONDAY_AFTER))
    with pytest.raises(Forbidden):
        await harness.run(lambda s: publish_bulletin(s, district(JINSHUI), _publish(), MONDAY_AFTER))
    sunday_night = datetime(2019, 7, 7, 15, 59, tzinfo=UTC)
    with pytest.raises(InvalidState) as refused:  # 409: the week is still open
        await harness.run(lambda s: publish_bulletin(s, office(), _publish(), sunday_night))
    assert (refused.value.current, refused.value.allowed) == ("open", [])
    assert [(p.field, p.rule) for p in refused.value.errors] == [("week_of", "period_not_over")]
    assert await harness.outbox_types() == []


async def test_a_district_reads_its_own_line_of_the_bulletin(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    published = await harness.run(lambda s: publish_bulletin(s, office(), _publish(), MONDAY_AFTER))
    mine = await harness.run(lambda s: get_bulletin(s, district(JINSHUI), published.id))
    assert [s.district_code for s in mine.standings] == [JINSHUI]
    assert (mine.lagging, mine.late_reports) == ([], [])


async def test_progress_against_targets_shows_the_pace_each_district_needs(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    rows = await harness.run(lambda s: district_progress(s, office(), PROGRAMME, date(2019, 7, 7)))
    by_code = {r.district_code: r for r in rows}
    assert set(by_code) == {"zz-erqi", "zz-guancheng", "zz-huiji", "zz-jinshui", "zz-zhongyuan"}
    erqi = by_code[ERQI]
    assert (erqi.task, erqi.done, erqi.target_by_year_end, erqi.on_track, erqi.behind_by) == (
        10,
        1,
        5,
        False,
        1,
    )
    assert erqi.share_due_by_year_end == "0.5000"
    assert (erqi.remaining_this_year, erqi.weeks_left, erqi.needed_per_week) == (4, 26, 1)
    mine = await harness.run(lambda s: district_progress(s, district(ERQI), PROGRAMME, date(2019, 7, 7)))
    assert [r.district_code for r in mine] == [ERQI]
