"""Street-office rollups and district sums, their edges, on SQLite: figures as of a period's end
(that day included) with what changed in the period (its first day included, days before it
adding nothing), only the programme asked, the label of figures with no street office in the
caller's language, and the read every forecast and evaluation starts from (`sums_by_district`).

Daily rows are stored directly with figures chosen so each boundary shows; the sums are worked
out by hand.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from services.reporting.domain.periods import Period, period_span
from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.figures import DistrictCounts, district_counts
from services.reporting.handlers.rollups import district_rollup, sums_by_district
from services.reporting.handlers.street_rollups import street_office_rollups
from services.reporting.models.projections import DistrictDay
from services.reporting.models.streets import NO_STREET_OFFICE, StreetDay
from shared.errors import NotFound
from tests.handlers.harness import DEFAULT_NOW, ServiceHarness
from tests.handlers.reporting.events import ERQI, JINSHUI, PROGRAMME, district, office

WENHUA = "文化路街道"
WEEK = period_span(Period.WEEK, date(2026, 11, 18))  # Monday 16 to Sunday 22 November


def _street(day: date, office_name: str = WENHUA, programme: str = PROGRAMME, **figures: int) -> StreetDay:
    return StreetDay(
        programme_code=programme,
        district_code=JINSHUI,
        street_office=office_name,
        day=day,
        updated_at=DEFAULT_NOW + timedelta(days=(day - date(2026, 11, 1)).days),
        **figures,
    )


async def _store(harness: ServiceHarness, *rows: object) -> None:
    async def add(session) -> None:  # type: ignore[no-untyped-def]
        session.add_all(rows)

    await harness.run(add)


async def _offices(harness: ServiceHarness, span: Any = None, **options: Any) -> dict[str, Any]:
    rows = await harness.run(lambda s: street_office_rollups(s, office(), JINSHUI, span, **options))
    return {r.street_office: r for r in rows}


async def test_a_street_office_as_of_a_week_counts_its_last_day_and_its_own_changes_from_its_first(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _store(
        harness,
        _street(date(2026, 11, 15), registered_projects=4),  # the Sunday before
        _street(date(2026, 11, 16), registered_projects=2, started_projects=1),  # the week's first day
        _street(date(2026, 11, 22), started_projects=3),  # its last day
        _street(date(2026, 11, 23), closed_projects=7),  # the week after
    )
    wenhua = (await _offices(harness, WEEK, programme_code=PROGRAMME))[WENHUA]
    assert (wenhua.registered_projects, wenhua.started_projects, wenhua.closed_projects) == (6, 4, 0)
    assert (wenhua.as_of, wenhua.period_label) == (date(2026, 11, 22), "2026-W47")
    assert wenhua.updated_at == DEFAULT_NOW + timedelta(days=21)  # the latest row counted
    assert wenhua.in_period is not None
    assert wenhua.in_period.model_dump() == {
        "ledger_communities": 0,
        "eligible_communities": 0,
        "eligible_households": 0,
        "eligible_floor_area_dm2": 0,
        "registered_projects": 2,
        "started_projects": 4,
        "completed_projects": 0,
        "accepted_projects": 0,
        "closed_projects": 0,
    }
    now = (await _offices(harness))[WENHUA]
    assert (now.closed_projects, now.as_of, now.period_label, now.in_period) == (7, None, None, None)


async def test_a_street_office_rollup_counts_only_the_programme_asked(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _store(
        harness,
        _street(date(2026, 11, 16), registered_projects=2),
        _street(date(2026, 11, 16), programme="kaifeng-2019", registered_projects=5),
    )
    assert (await _offices(harness, programme_code=PROGRAMME))[WENHUA].registered_projects == 2
    assert (await _offices(harness))[WENHUA].registered_projects == 7


@pytest.mark.parametrize(
    ("language", "label"), [("zh-CN", "（未填报街道）"), ("en", "(no street office given)")]
)
async def test_figures_with_no_street_office_are_labelled_in_the_callers_language(
    harness_for, language: str, label: str
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _store(
        harness,
        _street(date(2026, 11, 16), NO_STREET_OFFICE, registered_projects=1),
        _street(date(2026, 11, 16), WENHUA, registered_projects=1),
    )
    offices = await _offices(harness, language=language)
    assert [(o.street_office, o.street_office_label) for o in offices.values()] == [
        (NO_STREET_OFFICE, label),
        (WENHUA, WENHUA),  # a named office is shown by its name in every language
    ]


async def test_another_districts_street_offices_are_not_found_naming_the_district(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    with pytest.raises(NotFound) as refused:
        await harness.run(lambda s: street_office_rollups(s, district(ERQI), JINSHUI))
    assert refused.value.detail == f"no figures for district {JINSHUI}"


def _day(day: date, programme: str = PROGRAMME, **figures: int) -> DistrictDay:
    return DistrictDay(
        programme_code=programme, district_code=JINSHUI, day=day, updated_at=DEFAULT_NOW, **figures
    )


async def test_district_sums_count_the_as_of_day_and_only_the_programme_and_figures_asked(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _store(
        harness,
        _day(date(2026, 11, 1), registered_projects=3, accepted_projects=1),
        _day(date(2026, 11, 20), registered_projects=2, accepted_projects=4),  # the as-of day
        _day(date(2026, 11, 21), registered_projects=100),  # after it
        _day(date(2026, 11, 5), programme="kaifeng-2019", registered_projects=50),
    )
    sums = await harness.run(
        lambda s: sums_by_district(
            s, PROGRAMME, date(2026, 11, 20), ("registered_projects", "accepted_projects", "no_such_figure")
        )
    )
    assert sums == {JINSHUI: {"registered_projects": 5, "accepted_projects": 5}}


async def test_district_counts_as_of_a_day_and_accepted_since_another_both_included(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _store(
        harness,
        _day(date(2026, 11, 1), accepted_projects=2),  # none registered in this programme by then
        _day(date(2026, 11, 16), accepted_projects=3),  # the `since` day
        _day(date(2026, 11, 20), accepted_projects=4),  # the as-of day
        _day(date(2026, 11, 21), registered_projects=9, accepted_projects=9),  # after it
        _day(date(2026, 11, 5), programme="kaifeng-2019", registered_projects=50, accepted_projects=50),
    )
    counts = await harness.run(
        lambda s: district_counts(s, PROGRAMME, date(2026, 11, 20), since=date(2026, 11, 16))
    )
    assert counts == {JINSHUI: DistrictCounts(registered=0, accepted=9, accepted_since=7)}
    only_the_day = await harness.run(lambda s: district_counts(s, PROGRAMME, date(2026, 11, 1)))
    assert only_the_day == {JINSHUI: DistrictCounts(registered=0, accepted=2, accepted_since=2)}
    kaifeng = await harness.run(lambda s: district_counts(s, "kaifeng-2019", date(2026, 11, 5)))
    assert kaifeng == {JINSHUI: DistrictCounts(registered=50, accepted=50, accepted_since=50)}


async def test_district_counts_of_a_district_that_accepted_nothing_are_zero(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _store(harness, _day(date(2026, 11, 3), registered_projects=3))
    counts = await harness.run(
        lambda s: district_counts(s, PROGRAMME, date(2026, 11, 20), since=date(2026, 11, 16))
    )
    assert counts == {JINSHUI: DistrictCounts(registered=3, accepted=0, accepted_since=0)}


async def test_a_district_reads_its_own_rollup_and_another_is_not_found_naming_it(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _store(harness, _day(date(2026, 11, 16), registered_projects=2))
    own = await harness.run(lambda s: district_rollup(s, district(JINSHUI), JINSHUI, WEEK))
    assert own.registered_projects == 2
    with pytest.raises(NotFound) as refused:
        await harness.run(lambda s: district_rollup(s, district(ERQI), JINSHUI, WEEK))
    assert refused.value.detail == f"no figures for district {JINSHUI}"


async def test_a_programme_no_profile_knows_has_no_patrol_figures(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _store(harness, _day(date(2026, 11, 16), programme="retired-2015", started_projects=1))
    rollup = await harness.run(lambda s: district_rollup(s, office(), JINSHUI, WEEK, "retired-2015"))
    assert (rollup.started_projects, rollup.patrol_days_due, rollup.patrols_missed) == (1, None, None)
