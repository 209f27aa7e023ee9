"""Restatements of published bulletins, on SQLite: a late event that changes a figure a bulletin
already published shows against that bulletin (its id, week, as-of day, district, figure, the
published and the present value and the change), only for the `limit` latest bulletins of the
programme, newest first, and only for the districts the caller may see.

Jinshui: 10 projects, 2 accepted on 2 July 2019 when the W26 and W27 bulletins are published; an
acceptance dated 28 June (W26) arrives afterwards, so each bulletin's `done` is now 3 where 2 (W27)
or 0 (W26) was published.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.bulletins import publish_bulletin
from services.reporting.handlers.evaluations import publish_evaluation
from services.reporting.handlers.restatements import restatements
from services.reporting.models.bulletins import BulletinCreate
from services.reporting.models.evaluations import EvaluationCreate
from services.reporting.models.restatements import Publication
from tests.handlers.harness import ServiceHarness
from tests.handlers.reporting.events import (
    ERQI,
    JINSHUI,
    PROGRAMME,
    accepted,
    at,
    district,
    office,
    registered,
    shanghai,
)

MONDAY_AFTER = datetime(2019, 7, 8, 2, 0, tzinfo=UTC)


async def _published_then_late(harness: ServiceHarness) -> dict[str, object]:
    for _ in range(10):
        await harness.redeliver(at(registered(JINSHUI), shanghai(2019, 3, 1)))
    for _ in range(2):
        await harness.redeliver(at(accepted(JINSHUI, accepted_on=date(2019, 7, 2)), shanghai(2019, 7, 2)))
    ids = {}
    for week_of in (date(2019, 6, 26), date(2019, 7, 3)):
        body = BulletinCreate(programme_code=PROGRAMME, week_of=week_of)
        published = await harness.run(lambda s, b=body: publish_bulletin(s, office(), b, MONDAY_AFTER))
        ids[published.week] = published.id
    await harness.redeliver(at(accepted(JINSHUI, accepted_on=date(2019, 6, 28)), shanghai(2019, 7, 9)))
    return ids


async def test_a_late_acceptance_is_restated_against_each_bulletin_it_changes_newest_first(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    ids = await _published_then_late(harness)
    found = await harness.run(lambda s: restatements(s, office(), PROGRAMME, 5))
    assert [
        (
            r.publication,
            r.publication_id,
            r.period,
            r.as_of,
            r.district_code,
            r.figure,
            r.published,
            r.now,
            r.change,
        )
        for r in found
    ] == [
        (Publication.BULLETIN, ids["2019-W27"], "2019-W27", date(2019, 7, 7), JINSHUI, "done", 2, 3, 1),
        (Publication.BULLETIN, ids["2019-W26"], "2019-W26", date(2019, 6, 30), JINSHUI, "done", 0, 1, 1),
    ]


async def test_only_the_latest_bulletins_up_to_the_limit_are_restated(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    ids = await _published_then_late(harness)
    (latest,) = await harness.run(lambda s: restatements(s, office(), PROGRAMME, 1))
    assert (latest.publication_id, latest.period) == (ids["2019-W27"], "2019-W27")


async def test_a_district_sees_only_its_own_restatements(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _published_then_late(harness)
    assert await harness.run(lambda s: restatements(s, district(ERQI), PROGRAMME, 5)) == []
    mine = await harness.run(lambda s: restatements(s, district(JINSHUI), PROGRAMME, 5))
    assert [r.period for r in mine] == ["2019-W27", "2019-W26"]


async def test_evaluations_and_bulletins_are_restated_together_latest_first_up_to_the_limit_each(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """An acceptance dated 20 May arrives after the May and June evaluations and the W27 bulletin:
    it changes all three. On an equal as-of day an evaluation sorts before a bulletin."""
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    for _ in range(10):
        await harness.redeliver(at(registered(JINSHUI), shanghai(2019, 3, 1)))
    for month in ("2019-05", "2019-06"):
        body = EvaluationCreate(programme_code=PROGRAMME, month=month)
        await harness.run(lambda s, b=body: publish_evaluation(s, office(), b, MONDAY_AFTER))
    for week_of in (date(2019, 6, 26), date(2019, 7, 3)):
        bulletin = BulletinCreate(programme_code=PROGRAMME, week_of=week_of)
        await harness.run(lambda s, b=bulletin: publish_bulletin(s, office(), b, MONDAY_AFTER))
    await harness.redeliver(at(accepted(JINSHUI, accepted_on=date(2019, 5, 20)), shanghai(2019, 7, 9)))

    def order(found: list) -> list[tuple[Publication, str]]:  # type: ignore[type-arg]
        return list(dict.fromkeys((r.publication, r.period) for r in found))

    everything = await harness.run(lambda s: restatements(s, office(), PROGRAMME, 5))
    assert order(everything) == [
        (Publication.BULLETIN, "2019-W27"),
        (Publication.EVALUATION, "2019-06"),
        (Publication.BULLETIN, "2019-W26"),
        (Publication.EVALUATION, "2019-05"),
    ]
    latest = await harness.run(lambda s: restatements(s, office(), PROGRAMME, 1))
    assert order(latest) == [(Publication.BULLETIN, "2019-W27"), (Publication.EVALUATION, "2019-06")]
