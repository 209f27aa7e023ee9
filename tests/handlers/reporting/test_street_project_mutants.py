"""The drill-down from a street office to its projects, its edges, on SQLite: only the district
asked, only the programme asked, registered by the end of `as_of` (inclusive), by name then id,
paged by limit and offset (200 by default); a district reads its own, another is told the
district has no figures, naming it.

The directory rows are stored directly: only the read is under test here (how events fill the
directory is `test_street_offices.py`'s).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.street_rollups import street_office_projects
from services.reporting.models.streets import ProjectStreet
from shared.access import Principal
from shared.errors import NotFound
from tests.handlers.harness import ServiceHarness
from tests.handlers.reporting.events import ERQI, JINSHUI, PROGRAMME, district, office

WENHUA = "文化路街道"


def _project(
    name: str,
    *,
    district_code: str = JINSHUI,
    programme: str = PROGRAMME,
    registered_on: date | None = date(2026, 11, 3),
    project_id: uuid.UUID | None = None,
    **steps: date,
) -> ProjectStreet:
    return ProjectStreet(
        project_id=project_id or uuid.uuid4(),
        programme_code=programme,
        district_code=district_code,
        street_office=WENHUA,
        name=name,
        registered_on=registered_on,
        **steps,
    )


async def _store(harness: ServiceHarness, *rows: ProjectStreet) -> None:
    async def add(session) -> None:  # type: ignore[no-untyped-def]
        session.add_all(rows)

    await harness.run(add)


async def _listed(harness: ServiceHarness, actor: Principal | None = None, **given: Any) -> list[Any]:
    options = {"as_of": None, "programme_code": None, **given}
    return await harness.run(
        lambda s: street_office_projects(s, actor or office(), JINSHUI, WENHUA, **options)
    )


async def test_only_the_district_asked_is_listed_though_another_has_a_street_office_of_that_name(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    mine, theirs = _project("金水一号院"), _project("二七一号院", district_code=ERQI)
    await _store(harness, mine, theirs)
    assert [p.project_id for p in await _listed(harness)] == [mine.project_id]


async def test_a_district_reads_its_own_street_offices_projects_and_not_anothers(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    mine = _project("金水一号院")
    await _store(harness, mine)
    assert [p.project_id for p in await _listed(harness, district(JINSHUI))] == [mine.project_id]
    with pytest.raises(NotFound) as refused:
        await _listed(harness, district(ERQI))
    assert refused.value.detail == f"no figures for district {JINSHUI}"


async def test_only_the_programme_asked_is_listed_and_every_one_when_none_is(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    zhengzhou, other = _project("1号院"), _project("2号院", programme="kaifeng-2019")
    await _store(harness, zhengzhou, other)
    assert [p.project_id for p in await _listed(harness, programme_code=PROGRAMME)] == [zhengzhou.project_id]
    assert {p.project_id for p in await _listed(harness)} == {zhengzhou.project_id, other.project_id}


async def test_a_project_registered_on_the_as_of_day_is_listed_and_one_registered_after_is_not(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    on_the_day = _project("1号院", registered_on=date(2026, 11, 9), started_on=date(2026, 11, 10))
    after = _project("2号院", registered_on=date(2026, 11, 10))
    undated = _project("3号院", registered_on=None)  # registered before reporting kept the date
    await _store(harness, on_the_day, after, undated)
    listed = await _listed(harness, as_of=date(2026, 11, 9))
    assert [(p.name, p.registered_on, p.started_on) for p in listed] == [
        ("1号院", date(2026, 11, 9), None),  # started after the day asked: not reached then
        ("3号院", None, None),
    ]


async def test_projects_are_listed_by_name_then_id_and_paged(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    low, high = sorted(uuid.uuid4() for _ in range(2))
    rows = [
        _project("2号院", project_id=uuid.uuid4()),
        _project("1号院", project_id=high),
        _project("1号院", project_id=low),
    ]  # stored neither by name nor by id
    await _store(harness, *rows)
    expected = [low, high, rows[0].project_id]
    assert [p.project_id for p in await _listed(harness)] == expected
    assert [p.project_id for p in await _listed(harness, limit=2)] == expected[:2]
    assert [p.project_id for p in await _listed(harness, limit=2, offset=1)] == expected[1:]


async def test_at_most_200_projects_are_listed_unless_asked(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _store(harness, *(_project(f"院{n:03d}") for n in range(201)))
    assert len(await _listed(harness)) == 200
    assert len(await _listed(harness, limit=201)) == 201
