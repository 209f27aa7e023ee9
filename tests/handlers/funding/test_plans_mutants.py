"""Plan versions from the registry's plan events, pinned where mutants survived: the row and the
InvestmentPlanned event carry the project's district, programme and the plan's own date (submitted
on, or approved on), each item with its funders and clause; a version is a duplicate only for the
same project and state; the sheet lists versions in order whatever order they arrived in."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from services.funding.domain.programmes import bundled_profile
from services.funding.handlers import plans
from services.funding.models.plans import InvestmentPlan
from shared.contracts.registry import PlanApproved, PlanSubmitted
from tests.handlers.funding.world import JINSHUI, PROGRAMME, plan, start_funding

PLANNED_TYPE = "funding.investment.planned.v1"
ITEMS = {"roads-kerbs": 4_000_000, "overhead-lines": 1_000_000}


async def test_a_submitted_and_an_approved_version_are_kept_with_their_own_dates(harness_for) -> None:  # type: ignore[no-untyped-def]
    """A submitted version is dated by its submission, an approved one by its approval; each row
    names the project's district and programme, the event it came from and when it was recorded."""
    funding = await start_funding(harness_for)
    project = UUID(int=21)
    await funding.harness.deliver(plan(PlanSubmitted, project, 1, ITEMS), event_id="plan-submitted-1")
    await funding.harness.deliver(plan(PlanApproved, project, 1, ITEMS), event_id="plan-approved-1")
    rows = {row.state.value: row for row in await funding.harness.all(InvestmentPlan)}
    assert {k: (r.dated_on, r.source_event_id) for k, r in rows.items()} == {
        "submitted": (date(2026, 3, 1), "plan-submitted-1"),
        "approved": (date(2026, 3, 9), "plan-approved-1"),
    }
    for row in rows.values():
        assert (row.district_code, row.programme_code, row.version) == (JINSHUI, PROGRAMME, 1)
        assert (row.investment_fen, row.recorded_at) == (5_000_000, funding.harness.clock.now())
    events = [e for e in await funding.harness.outbox() if e.type == PLANNED_TYPE]
    assert [(e.data["state"], e.data["dated_on"]) for e in events] == [
        ("submitted", "2026-03-01"),
        ("approved", "2026-03-09"),
    ]
    for event in events:
        assert (event.data["project_id"], event.data["district_code"]) == (str(project), JINSHUI)
        assert (event.data["programme_code"], event.data["version"]) == (PROGRAMME, 1)


async def test_the_event_lists_each_item_with_its_amount_funders_and_clause(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Zhengzhou 2019 五(二): the utilities fund their own lines; 五(一): the district the rest."""
    funding = await start_funding(harness_for)
    await funding.harness.deliver(plan(PlanApproved, UUID(int=22), 1, ITEMS))
    (event,) = [e for e in await funding.harness.outbox() if e.type == PLANNED_TYPE]
    assert event.data["items"] == [
        {
            "item_code": "roads-kerbs",
            "investment_fen": 4_000_000,
            "funded_by": ["district"],
            "funded_by_clause": "五(一)",
        },
        {
            "item_code": "overhead-lines",
            "investment_fen": 1_000_000,
            "funded_by": ["power", "telecom", "cable-tv"],
            "funded_by_clause": "五(二)",
        },
    ]


async def test_the_same_version_of_another_project_is_not_a_duplicate(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Duplicates are recognised per project and state: two projects' first approved versions are
    both kept and both announced."""
    funding = await start_funding(harness_for)
    await funding.harness.deliver(plan(PlanApproved, UUID(int=23), 1, ITEMS))
    await funding.harness.deliver(plan(PlanApproved, UUID(int=24), 1, ITEMS))
    assert sorted(r.project_id.int for r in await funding.harness.all(InvestmentPlan)) == [23, 24]
    assert [e.type for e in await funding.harness.outbox()].count(PLANNED_TYPE) == 2


async def test_versions_are_listed_in_order_whatever_order_their_events_arrived_in(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Events may arrive late: version 2 before version 1, an approval before its submission. The
    project's plans still read version by version, the submission before the approval, each
    with its items in the plan's order."""
    funding = await start_funding(harness_for)
    project = UUID(int=25)
    revised = {"overhead-lines": 1_500_000, "roads-kerbs": 3_000_000}
    await funding.harness.deliver(plan(PlanApproved, project, 2, revised))
    await funding.harness.deliver(plan(PlanSubmitted, project, 2, revised))
    await funding.harness.deliver(plan(PlanApproved, project, 1, ITEMS))
    await funding.harness.deliver(plan(PlanSubmitted, project, 1, ITEMS))
    found = await funding.harness.run(lambda s: plans.plans_of(s, project))
    assert [(p.version, p.state.value) for p in found] == [
        (1, "submitted"),
        (1, "approved"),
        (2, "submitted"),
        (2, "approved"),
    ]
    assert [i.item_code for i in found[0].items] == ["roads-kerbs", "overhead-lines"]
    assert [i.item_code for i in found[-1].items] == ["overhead-lines", "roads-kerbs"]
    assert [(i.funded_by, i.funded_by_clause) for i in found[-1].items] == [
        ("power,telecom,cable-tv", "五(二)"),
        ("district", "五(一)"),
    ]
    assert {p.district_code for p in found} == {JINSHUI}


async def test_who_funds_each_item_comes_from_the_profile_lookup_funding_was_started_with(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """The service reads programmes through the lookup it is given (a deployment may carry a
    profile the bundled set lacks): both a submitted and an approved plan of such a programme
    are recorded with that profile's funders."""

    def lookup(code: str) -> Any:
        return bundled_profile(PROGRAMME if code == "zhengzhou-2019-pilot" else code)

    funding = await start_funding(harness_for, lookup)
    project = UUID(int=26)
    for cls in (PlanSubmitted, PlanApproved):
        await funding.harness.deliver(plan(cls, project, 1, ITEMS, programme_code="zhengzhou-2019-pilot"))
    found = await funding.harness.run(lambda s: plans.plans_of(s, project))
    assert [(p.state.value, p.programme_code) for p in found] == [
        ("submitted", "zhengzhou-2019-pilot"),
        ("approved", "zhengzhou-2019-pilot"),
    ]
    for version in found:
        assert [(i.item_code, i.funded_by) for i in version.items] == [
            ("roads-kerbs", "district"),
            ("overhead-lines", "power,telecom,cable-tv"),
        ]
