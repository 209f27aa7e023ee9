"""Utilities' pipeline work on the handler tier: the district assigns, the utility starts and
completes its own work, open work holds up the completion of construction until done or exempted;
every refusal changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.registry.handlers import SUBSCRIPTIONS, pipeline
from services.registry.handlers.directory import seed_organisations
from services.registry.models.pipeline import (
    PipelineExemption,
    PipelineExemptionCreate,
    PipelineWork,
    PipelineWorkAssignment,
    PipelineWorkCompletion,
    PipelineWorkPublic,
    PipelineWorkStart,
)
from shared.access import OrganisationKind, Principal, default_scopes
from shared.errors import InvalidState, NotFoundError, RuleViolation
from tests.handlers.registry.walk import act, district, office, open_project, walk

OVERHEAD_LINES = "overhead-lines"  # Zhengzhou 2019 item 2: power, telecom and cable-TV (六)
SEWERS = "rain-sewage-separation"  # item 1: no utility named
ASSIGNED = "registry.pipeline_work.assigned.v1"
STARTED = "registry.pipeline_work.started.v1"
COMPLETED = "registry.pipeline_work.completed.v1"
EXEMPTED = "registry.pipeline_work.exempted.v1"


def utility(code: str = "power") -> Principal:
    kind = OrganisationKind.UTILITY
    return Principal(f"user@{code}", code, kind, default_scopes(kind, code))


def assignment(**overrides: Any) -> PipelineWorkAssignment:
    fields = {
        "item_code": OVERHEAD_LINES,
        "utility_code": "power",
        "scope": "架空电力线入地改造，表箱更新",
        "planned_start_on": "2026-05-01",
        "planned_end_on": "2026-07-31",
        **overrides,
    }
    return PipelineWorkAssignment.model_validate(fields)


def completion(on: str = "2026-08-01", **overrides: Any) -> PipelineWorkCompletion:
    fields = {
        "completed_on": on,
        "scope_done": "架空线全部入地",
        "evidence_ref": "供电竣工单-2026-017",
        **overrides,
    }
    return PipelineWorkCompletion.model_validate(fields)


@pytest.fixture
async def zz(harness_for):  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    await harness.run(seed_organisations)
    return harness


async def _state(harness) -> tuple[list[str], list[str], list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    works = [(str(w.id), w.status) for w in await harness.all(PipelineWork)]
    return await harness.outbox_types(), await harness.audit_actions(), works


async def assign(harness, project_id: uuid.UUID, body=None, actor=None) -> PipelineWorkPublic:  # type: ignore[no-untyped-def]
    now = harness.clock.now()
    who = actor or harness.actor
    return await harness.run(lambda s: pipeline.assign_work(s, who, project_id, body or assignment(), now))


async def start(harness, work_id: uuid.UUID, on: str = "2026-05-02", actor=None) -> PipelineWorkPublic:  # type: ignore[no-untyped-def]
    now = harness.clock.now()
    body = PipelineWorkStart.model_validate({"started_on": on})
    return await harness.run(lambda s: pipeline.start_work(s, actor or utility(), work_id, body, now))


async def complete(harness, work_id: uuid.UUID, body=None, actor=None) -> PipelineWorkPublic:  # type: ignore[no-untyped-def]
    now = harness.clock.now()
    return await harness.run(
        lambda s: pipeline.complete_work(s, actor or utility(), work_id, body or completion(), now)
    )


async def exempt(harness, project_id: uuid.UUID, work_ids: list[uuid.UUID], actor=None):  # type: ignore[no-untyped-def]
    now = harness.clock.now()
    body = PipelineExemptionCreate.model_validate(
        {
            "work_ids": [str(w) for w in work_ids],
            "reason": "燃气公司年度计划未列入，另行实施",
            "exempted_on": "2026-08-20",
        }
    )
    return await harness.run(
        lambda s: pipeline.exempt_works(s, actor or harness.actor, project_id, body, now)
    )


async def listed(harness, actor: Principal, **filters: Any) -> tuple[list[PipelineWorkPublic], int]:  # type: ignore[no-untyped-def]
    query = {"project_id": None, "utility_code": None, "status": None, "blocking": None, **filters}
    return await harness.run(lambda s: pipeline.list_works(s, actor, limit=100, offset=0, **query))


async def planned_project(harness):  # type: ignore[no-untyped-def]
    """A Zhengzhou 2019 project whose approved plan has items 1 and 2 (sewers, overhead lines)."""
    project = await open_project(harness)
    await walk(harness, project.id, "plan-approval")
    return project


async def close(harness, project_id: uuid.UUID) -> None:  # type: ignore[no-untyped-def]
    """Take the project through its audit to its close-out (销号)."""
    await walk(harness, project_id, "acceptance")
    await act(harness, project_id, "final-accounts-audit")
    assert (await walk(harness, project_id, "close-out")).status == "closed"


# --- assignment


async def test_the_district_assigns_work_and_the_event_names_the_company(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    before, audits, _ = await _state(zz)
    work = await assign(zz, project.id)
    assert work.status == "assigned" and work.utility_code == "power" and not work.exempted
    events, new_audits, works = await _state(zz)
    assert events[len(before) :] == [ASSIGNED]
    assert new_audits[len(audits) :] == ["pipeline_work.assigned"]
    assert works == [(str(work.id), "assigned")]
    event = (await zz.outbox())[-1]
    assert event.data["utility_code"] == "power" and event.data["work_id"] == str(work.id)
    assert event.data["project_id"] == str(project.id) and event.data["district_code"] == "zz-jinshui"
    assert event.data["planned_start_on"] == "2026-05-01" and event.data["item_code"] == OVERHEAD_LINES
    assert event.subject == f"projects/{project.id}"  # keyed with the project's own steps


async def test_before_a_plan_is_approved_any_catalogue_item_may_carry_work(zz) -> None:  # type: ignore[no-untyped-def]
    project = await open_project(zz)
    work = await assign(zz, project.id, assignment(item_code="roads-kerbs", utility_code="water"))
    assert work.item_code == "roads-kerbs"


@pytest.mark.parametrize(
    ("overrides", "problems"),
    [
        ({"item_code": "swimming-pool"}, [("item_code", "catalogue_item")]),
        ({"item_code": "roads-kerbs"}, [("item_code", "planned_item")]),  # not in the approved plan
        ({"utility_code": "acme-gas"}, [("utility_code", "utility_company")]),
        ({"utility_code": "finance"}, [("utility_code", "utility_company")]),  # a department
        ({"utility_code": "gas"}, [("utility_code", "responsible_utility")]),  # 六: not gas's item
        ({"planned_end_on": "2026-04-30"}, [("planned_end_on", "planned_end_not_before_start")]),
    ],
)
async def test_an_assignment_breaking_a_rule_is_refused_naming_the_field_and_changes_nothing(
    zz, overrides: dict[str, str], problems: list[tuple[str, str]]
) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    before = await _state(zz)
    with pytest.raises(RuleViolation) as caught:
        await assign(zz, project.id, assignment(**overrides))
    assert [(p.field, p.rule) for p in caught.value.errors] == problems
    assert await _state(zz) == before


async def test_an_item_naming_no_company_takes_any_utility_of_the_directory(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id, assignment(item_code=SEWERS, utility_code="water"))
    assert (work.item_code, work.utility_code) == (SEWERS, "water")


async def test_another_district_cannot_assign_work_in_the_project(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    before = await _state(zz)
    with pytest.raises(NotFoundError):
        await assign(zz, project.id, actor=district("zz-erqi"))
    with pytest.raises(NotFoundError):
        await assign(zz, project.id, actor=office())
    assert await _state(zz) == before


async def test_no_work_is_assigned_in_a_closed_project(zz) -> None:  # type: ignore[no-untyped-def]
    project = await open_project(zz)
    await close(zz, project.id)
    before = await _state(zz)
    with pytest.raises(InvalidState) as caught:
        await assign(zz, project.id, assignment(item_code=SEWERS, utility_code="water"))
    assert caught.value.allowed == []
    assert [(p.field, p.rule) for p in caught.value.errors] == [("project_id", "project_closed")]
    assert await _state(zz) == before


# --- start and completion by the utility


async def test_the_utility_starts_and_completes_its_work(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id)
    started = await start(zz, work.id)
    assert (started.status, started.started_on) == ("started", date(2026, 5, 2))
    done = await complete(zz, work.id)
    assert (done.status, done.completed_on, done.evidence_ref) == (
        "completed",
        date(2026, 8, 1),
        "供电竣工单-2026-017",
    )
    assert (await zz.outbox_types())[-3:] == [ASSIGNED, STARTED, COMPLETED]
    assert (await zz.audit_actions())[-2:] == ["pipeline_work.started", "pipeline_work.completed"]
    event = (await zz.outbox())[-1]
    assert event.data["utility_code"] == "power"
    assert (event.data["completed_on"], event.data["scope_done"]) == ("2026-08-01", "架空线全部入地")


async def test_another_company_s_work_does_not_exist_for_it(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id)
    await start(zz, work.id)
    before = await _state(zz)
    for stranger in (utility("telecom"), harness_district := district("zz-jinshui")):
        with pytest.raises(NotFoundError):
            await complete(zz, work.id, actor=stranger)
    with pytest.raises(NotFoundError):
        await start(zz, work.id, actor=utility("gas"))
    with pytest.raises(NotFoundError):
        await complete(zz, uuid.uuid4())
    assert await _state(zz) == before
    assert harness_district.org_kind is OrganisationKind.DISTRICT


@pytest.mark.parametrize(
    ("now", "on", "accepted"),
    [
        (datetime(2026, 11, 20, 2, 0, tzinfo=UTC), "2026-11-21", False),  # 10:00 on the 20th in Shanghai
        (datetime(2026, 11, 20, 15, 59, tzinfo=UTC), "2026-11-21", False),  # 23:59 on the 20th
        (datetime(2026, 11, 20, 16, 0, tzinfo=UTC), "2026-11-21", True),  # 00:00 on the 21st
    ],
)
async def test_a_completion_is_not_dated_in_the_future_in_asia_shanghai(zz, now, on, accepted) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id)
    await start(zz, work.id)
    zz.clock.set(now)
    before = await _state(zz)
    if accepted:
        assert (await complete(zz, work.id, completion(on))).completed_on == date.fromisoformat(on)
        return
    with pytest.raises(RuleViolation) as caught:
        await complete(zz, work.id, completion(on))
    assert [(p.field, p.rule) for p in caught.value.errors] == [("completed_on", "not_in_future")]
    assert await _state(zz) == before


async def test_a_completion_is_not_dated_before_the_work_started(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id)
    await start(zz, work.id, on="2026-06-10")
    before = await _state(zz)
    with pytest.raises(RuleViolation) as caught:
        await complete(zz, work.id, completion("2026-06-09"))
    assert [(p.field, p.rule) for p in caught.value.errors] == [("completed_on", "not_before_work_start")]
    assert await _state(zz) == before
    assert (await complete(zz, work.id, completion("2026-06-10"))).status == "completed"  # the same day


async def test_a_start_is_not_in_the_future_nor_before_the_programme(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id)
    for on, rule in (("2026-11-21", "not_in_future"), ("2019-04-02", "not_before_programme")):
        with pytest.raises(RuleViolation) as caught:
            await start(zz, work.id, on=on)
        assert [(p.field, p.rule) for p in caught.value.errors] == [("started_on", rule)]


async def test_work_is_started_then_completed_once_each(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id)
    with pytest.raises(InvalidState) as caught:
        await complete(zz, work.id)  # not started
    assert (caught.value.current, caught.value.allowed) == ("assigned", ["start"])
    await start(zz, work.id)
    with pytest.raises(InvalidState) as caught:
        await start(zz, work.id)
    assert (caught.value.current, caught.value.allowed) == ("started", ["completion"])
    await complete(zz, work.id)
    before = await _state(zz)
    with pytest.raises(InvalidState) as caught:
        await complete(zz, work.id)
    assert (caught.value.current, caught.value.allowed) == ("completed", [])
    assert caught.value.errors[0].rule == "pipeline_work_order"
    assert await _state(zz) == before


async def test_concurrent_completions_of_one_work_give_one_success_and_one_event(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id)
    await start(zz, work.id)
    results = await asyncio.gather(*(complete(zz, work.id) for _ in range(5)), return_exceptions=True)
    assert sum(isinstance(r, PipelineWorkPublic) for r in results) == 1
    assert all(isinstance(r, InvalidState) for r in results if not isinstance(r, PipelineWorkPublic))
    assert (await zz.outbox_types()).count(COMPLETED) == 1


async def test_no_completion_is_recorded_in_a_closed_project(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id)
    await start(zz, work.id)
    await exempt(zz, project.id, [work.id])
    await close(zz, project.id)
    before = await _state(zz)
    with pytest.raises(InvalidState) as caught:
        await complete(zz, work.id)
    assert [(p.field, p.rule) for p in caught.value.errors] == [("project_id", "project_closed")]
    assert await _state(zz) == before


# --- construction completion waits for open work, unless exempted


async def test_construction_cannot_complete_while_work_is_open_and_the_refusal_names_it(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id)
    water = await assign(zz, project.id, assignment(item_code=SEWERS, utility_code="water"))
    await walk(zz, project.id, "construction-start")
    before = await _state(zz)
    with pytest.raises(InvalidState) as caught:
        await act(zz, project.id, "construction-completion")
    refusal = caught.value
    assert str(work.id) in refusal.detail and str(water.id) in refusal.detail
    assert refusal.current == "construction"
    assert "pipeline-exemptions" in refusal.allowed and "construction-completion" not in refusal.allowed
    assert [p.rule for p in refusal.errors] == ["open_pipeline_work", "open_pipeline_work"]
    assert await _state(zz) == before
    await start(zz, work.id)
    await complete(zz, work.id)
    await start(zz, water.id, actor=utility("water"))
    await complete(zz, water.id, actor=utility("water"))
    done = await act(zz, project.id, "construction-completion")
    assert done.status == "construction_completed"


async def test_an_exemption_with_a_reason_lets_construction_complete(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id)
    await walk(zz, project.id, "construction-start")
    exemption = await exempt(zz, project.id, [work.id])
    assert exemption.work_ids == [work.id] and exemption.actor_org == "zz-jinshui"
    event = (await zz.outbox())[-1]
    assert event.type == EXEMPTED and event.data["utility_codes"] == ["power"]
    assert event.data["reason"] == "燃气公司年度计划未列入，另行实施"
    assert (await zz.audit_actions())[-1] == "pipeline_work.exempted"
    assert len(await zz.all(PipelineExemption)) == 1
    recorded = await zz.run(lambda s: pipeline.list_exemptions(s, office(), project.id))
    assert [(e.id, e.reason) for e in recorded] == [(exemption.id, "燃气公司年度计划未列入，另行实施")]
    for stranger in (district("zz-erqi"), utility("power")):
        with pytest.raises(NotFoundError):
            await zz.run(lambda s, who=stranger: pipeline.list_exemptions(s, who, project.id))
    assert (await act(zz, project.id, "construction-completion")).status == "construction_completed"
    # the work is still the company's to complete afterwards
    await start(zz, work.id)
    assert (await complete(zz, work.id)).status == "completed"


async def test_an_exemption_covers_the_works_it_names_not_work_assigned_later(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    first = await assign(zz, project.id)
    await exempt(zz, project.id, [first.id])
    later = await assign(zz, project.id, assignment(utility_code="telecom"))
    await walk(zz, project.id, "construction-start")
    with pytest.raises(InvalidState) as caught:
        await act(zz, project.id, "construction-completion")
    assert str(later.id) in caught.value.detail and str(first.id) not in caught.value.detail


async def test_only_open_work_of_the_project_can_be_exempted(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    done = await assign(zz, project.id)
    await start(zz, done.id)
    await complete(zz, done.id)
    open_work = await assign(zz, project.id, assignment(utility_code="telecom"))
    before = await _state(zz)
    with pytest.raises(RuleViolation) as caught:
        await exempt(zz, project.id, [open_work.id, done.id, uuid.uuid4(), open_work.id])
    assert [(p.field, p.rule) for p in caught.value.errors] == [
        ("work_ids.1", "open_work_of_project"),
        ("work_ids.2", "open_work_of_project"),
        ("work_ids.3", "unique"),
    ]
    with pytest.raises(NotFoundError):
        await exempt(zz, project.id, [open_work.id], actor=district("zz-erqi"))
    assert await _state(zz) == before


# --- who sees which work


async def test_each_caller_lists_the_work_it_may_see(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    power = await assign(zz, project.id)
    telecom = await assign(zz, project.id, assignment(utility_code="telecom"))
    both = sorted([power.id, telecom.id])
    await start(zz, power.id)
    await complete(zz, power.id)

    def ids(page: tuple[list[PipelineWorkPublic], int]) -> list[uuid.UUID]:
        assert page[1] == len(page[0])
        assert page[0] == sorted(page[0], key=lambda w: (w.created_at, w.id))  # stable order
        return sorted(w.id for w in page[0])

    assert ids(await listed(zz, utility("power"))) == [power.id]
    assert ids(await listed(zz, utility("gas"))) == []
    assert ids(await listed(zz, utility("power"), utility_code="telecom")) == []
    assert ids(await listed(zz, district("zz-jinshui"))) == both
    assert ids(await listed(zz, district("zz-erqi"))) == []
    assert ids(await listed(zz, office())) == both
    assert ids(await listed(zz, office(), blocking=True)) == [telecom.id]
    assert ids(await listed(zz, office(), blocking=False)) == [power.id]
    assert ids(await listed(zz, office(), project_id=uuid.uuid4())) == []
    read = lambda who: zz.run(lambda s: pipeline.get_work(s, who, telecom.id))  # noqa: E731
    assert (await read(utility("telecom"))).id == telecom.id
    for stranger in (utility("power"), district("zz-erqi")):
        with pytest.raises(NotFoundError):
            await read(stranger)
