"""The central-fund list (Kaifeng 三): listed communities against the plan's two dated milestones."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.central_list import central_list_progress
from services.reporting.handlers.targets import district_progress
from shared.access import Principal
from shared.contracts.registry import (
    CommunityClassified,
    CommunityRegistered,
    ConstructionCompleted,
    ProjectRegistered,
    TenderAwarded,
)
from tests.handlers.reporting.events import at, district, office, shanghai

KAIFENG = "kaifeng-2019"
LONGTING = "kf-longting"
GULOU = "kf-gulou"


def community(
    district: str = LONGTING, *, listed: bool = False, on: date = date(2019, 12, 20)
) -> CommunityRegistered:
    return CommunityRegistered(
        community_id=uuid4(),
        programme_code=KAIFENG,
        district_code=district,
        eligible=True,
        households=100,
        floor_area_m2=Decimal("5000"),
        centrally_funded=listed,
        name="小区",
        registered_on=on,
    )


def classified(c: CommunityRegistered, *, listed: bool, was: bool, on: date) -> CommunityClassified:
    return CommunityClassified(
        community_id=c.community_id,
        programme_code=KAIFENG,
        district_code=c.district_code,
        eligible=True,
        households=100,
        floor_area_m2=Decimal("5000"),
        centrally_funded=listed,
        was_centrally_funded=was,
        classified_on=on,
    )


def project(lead: UUID, district: str = LONGTING, group: tuple[UUID, ...] = ()) -> ProjectRegistered:
    return ProjectRegistered(
        project_id=uuid4(),
        community_id=lead,
        district_code=district,
        programme_code=KAIFENG,
        name="改造",
        investment_fen=1,
        registered_on=date(2019, 12, 21),
        grouped_community_ids=list(group),
    )


def _common(p: ProjectRegistered) -> dict[str, object]:
    return {
        "project_id": p.project_id,
        "community_id": p.community_id,
        "district_code": p.district_code,
        "programme_code": KAIFENG,
    }


def tendered(p: ProjectRegistered, on: date) -> TenderAwarded:
    return TenderAwarded(**_common(p), awarded_on=on, contractor="某建设公司")  # type: ignore[arg-type]


def completed(p: ProjectRegistered, on: date) -> ConstructionCompleted:
    return ConstructionCompleted(**_common(p), completed_on=on)  # type: ignore[arg-type]


async def _progress(harness, on: date, actor: Principal | None = None, programme: str = KAIFENG):  # type: ignore[no-untyped-def]
    return await harness.run(lambda s: central_list_progress(s, actor or office(), programme, on))


async def test_listed_communities_are_measured_against_the_tender_and_completion_deadlines(
    harness_for,  # type: ignore[no-untyped-def]
) -> None:
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    c1 = community(listed=True)  # listed at registration, 2019-12-20
    c2 = community()  # listed later by classification
    c3 = community(GULOU, listed=True)
    c4 = community()  # never listed
    lead = community()  # a group's lead community, not itself listed
    p1, p2, p3, p4 = (
        project(c1.community_id),
        project(lead.community_id, group=(c2.community_id,)),
        project(c3.community_id, GULOU),
        project(c4.community_id),
    )
    # c3's tender is heard before its community's registration: the join still counts it
    for payload in (p3, tendered(p3, date(2020, 1, 8)), c1, c2, c3, c4, lead, p1, p2, p4):
        assert await harness.deliver(payload) == "handled"
    for payload in (
        classified(c2, listed=True, was=False, on=date(2020, 1, 5)),
        tendered(p1, date(2019, 12, 30)),
        tendered(p2, date(2020, 1, 10)),
        tendered(p4, date(2019, 12, 29)),
        completed(p1, date(2020, 5, 1)),
    ):
        assert await harness.deliver(payload) == "handled"

    at_tender_deadline = await _progress(harness, date(2019, 12, 31))
    assert (at_tender_deadline.funded_communities, at_tender_deadline.listed) == (117, 2)  # c2 not yet listed
    tender, finish = at_tender_deadline.milestones
    assert (tender.code, tender.step, tender.due_on) == (
        "funded-communities-ready",
        "tender",
        date(2019, 12, 31),
    )
    assert (finish.code, finish.step, finish.due_on) == (
        "funded-communities-complete",
        "construction",
        date(2020, 6, 30),
    )
    assert (tender.target, tender.done, tender.remaining) == (117, 1, 116)
    assert (tender.expected_by_now, tender.status, tender.weeks_left) == (117, "behind", 0)  # due today
    assert tender.clause == "三" and "117" in tender.description_zh
    assert at_tender_deadline.clause == "三"  # the plan's central subsidy rule
    on_the_day = await _progress(harness, date(2019, 12, 30))  # p1 tendered that very day
    assert on_the_day.milestones[0].done == 1

    after = await _progress(harness, date(2020, 1, 15))
    tender, finish = after.milestones
    assert after.listed == 3
    assert (tender.done, tender.status) == (3, "missed")  # c1, c2 through its group, c3; not c4
    assert (finish.done, finish.remaining, finish.status) == (0, 117, "behind")
    # even pace from the plan's issue (2019-12-29) to 2020-06-30: 17 of 184 days → 10 of 117
    assert finish.expected_by_now == 117 * 17 // 184
    assert finish.weeks_left == 24 and finish.needed_per_week == 5  # ceil(117 / 24)
    by_district = {d.district_code: d for d in after.districts}
    assert by_district[LONGTING].listed == 2 and by_district[GULOU].listed == 1
    assert [(m.target, m.done, m.status) for m in by_district[LONGTING].milestones] == [
        (2, 2, "met"),
        (2, 0, "on_track"),  # 2 × 17/184 rounds down to 0 due by now
    ]

    june = await _progress(harness, date(2020, 7, 1))
    assert [(m.code, m.done) for m in june.districts[1].milestones] == [
        ("funded-communities-ready", 2),
        ("funded-communities-complete", 1),
    ]
    assert june.milestones[1].status == "missed"


async def test_a_district_reads_its_own_listed_communities_and_a_delisted_one_drops_out(
    harness_for,  # type: ignore[no-untyped-def]
) -> None:
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    c1, c2, c3 = community(listed=True), community(listed=True), community(GULOU, listed=True)
    p1 = project(c1.community_id)
    for payload in (c1, c2, c3, p1, tendered(p1, date(2019, 12, 30))):
        await harness.deliver(payload)
    delisted = classified(c2, listed=False, was=True, on=date(2020, 1, 3))
    assert await harness.redeliver(at(delisted, shanghai(2020, 1, 3), "e-1")) == "handled"
    assert await harness.redeliver(at(delisted, shanghai(2020, 1, 3), "e-1")) == "duplicate"

    mine = await _progress(harness, date(2020, 1, 10), district(LONGTING))
    assert [d.district_code for d in mine.districts] == [LONGTING]
    assert mine.listed == 1
    (tender, _) = mine.milestones
    assert (tender.target, tender.done, tender.status) == (1, 1, "met")  # a district's own list, not 117
    city = await _progress(harness, date(2020, 1, 10))
    assert (city.listed, city.milestones[0].target) == (2, 117)
    # relisted: counted again from its new date
    await harness.deliver(classified(c2, listed=True, was=False, on=date(2020, 2, 1)))
    assert (await _progress(harness, date(2020, 1, 31))).listed == 2
    assert (await _progress(harness, date(2020, 2, 1))).listed == 3


async def test_a_plan_without_a_central_fund_list_has_no_milestones(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    found = await _progress(harness, date(2020, 1, 10), programme="zhengzhou-2019")
    assert (found.funded_communities, found.listed, found.milestones, found.districts) == (None, 0, [], [])


async def test_the_districts_progress_carries_each_districts_list_milestones(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    c1 = community(listed=True)
    p1 = project(c1.community_id)
    for payload in (c1, p1, tendered(p1, date(2019, 12, 30))):
        await harness.deliver(payload)
    rows = await harness.run(lambda s: district_progress(s, office(), KAIFENG, date(2020, 1, 15)))
    by_code = {r.district_code: r for r in rows}
    assert [(m.code, m.target, m.done, m.status) for m in by_code[LONGTING].central_list or []] == [
        ("funded-communities-ready", 1, 1, "met"),
        ("funded-communities-complete", 1, 0, "on_track"),
    ]
    assert by_code[GULOU].central_list == []  # no listed community there
    zhengzhou = await harness.run(
        lambda s: district_progress(s, office(), "zhengzhou-2019", date(2020, 1, 15))
    )
    assert {r.central_list for r in zhengzhou} == {None}
