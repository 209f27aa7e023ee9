"""The ledger's and the project register's reads and corrections, pinned where mutants survived:
what a re-assessment audits and announces, a timeline's rows (only the project's own, in order),
and a community's history listing its projects oldest first with the id breaking ties."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from services.registry.handlers import SUBSCRIPTIONS, communities, projects
from services.registry.handlers.directory import seed_organisations
from services.registry.models.communities import Classification, Community, CommunityAssessment, Reassessment
from services.registry.models.pipeline import PipelineWork
from services.registry.models.projects import Project, ProjectCreate
from shared.audit import AuditEntry
from shared.clock import FixedClock
from shared.errors import Forbidden, NotFoundError, RuleViolation
from tests.handlers.harness import ServiceHarness
from tests.handlers.registry.test_pipeline_work import assign, complete, planned_project, start
from tests.handlers.registry.walk import (
    UNFILTERED,
    act,
    community_create,
    district,
    office,
    open_project,
    walk,
)

PREFIX = "registry."


async def _audit(harness: ServiceHarness, action: str) -> list[AuditEntry]:
    return [e for e in await harness.all(AuditEntry) if e.action == action]


async def _community(harness: ServiceHarness, programme: str = "zhengzhou-2019", **fields: Any) -> Any:
    actor = district(community_create(programme).district_code)
    now = harness.clock.now()
    body = community_create(programme, **fields)
    return await harness.run(lambda s: communities.register_community(s, actor, body, now))


async def test_a_reassessment_audits_the_facts_before_and_after_under_the_community(harness_for) -> None:  # type: ignore[no-untyped-def]
    """The audit entry is how the office sees what a correction changed: the earlier facts and
    eligibility in `before`, the corrected ones and the new outcome in `after`."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _community(harness, built_year=2005, exclusions=["shanty-town-programme"])
    correction = Reassessment(built_year=1998, exclusions=[], note="按房产证更正")
    now = harness.clock.now()
    await harness.run(lambda s: communities.reassess(s, district(), community.id, correction, now))
    [entry] = await _audit(harness, "community.reassessed")
    assert (entry.record_type, entry.record_id) == ("community", str(community.id))
    assert json.loads(entry.before) == {
        "built_year": 2005,
        "exclusions": ["shanty-town-programme"],
        "eligible": False,
    }
    assert json.loads(entry.after) == {
        "built_year": 1998,
        "exclusions": [],
        "note": "按房产证更正",
        "eligible": True,
    }


async def test_a_reassessment_announces_the_eligibility_it_had_before(harness_for) -> None:  # type: ignore[no-untyped-def]
    """CommunityReassessed carries `was_eligible` so a reader sees a community drop out of (or
    enter) eligibility; an eligible community found ineligible says it was eligible."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _community(harness, built_year=1995)
    correction = Reassessment(built_year=2005, exclusions=[], note="竣工年份更正")
    now = harness.clock.now()
    corrected = await harness.run(
        lambda s: communities.reassess(s, district(), community.id, correction, now)
    )
    assert corrected.eligible is False
    event = (await harness.outbox())[-1]
    assert event.type == f"{PREFIX}community.reassessed.v1"
    assert event.data["was_eligible"] is True
    assert event.data["eligible"] is False


async def test_a_timeline_lists_only_its_projects_steps_oldest_first(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Each step taken is one timeline row with its action, step, status, date and organisation;
    another project's steps are not in it."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness)
    await act(harness, project.id, "residents-consultation")
    await act(harness, project.id, "plan-submission")
    other = await open_project(harness)
    await act(harness, other.id, "residents-consultation")
    rows = await harness.run(lambda s: projects.timeline(s, office(), project.id))
    assert [(r.action, r.status, r.actor_org) for r in rows] == [
        ("residents-consultation", "consulted", "zz-jinshui"),
        ("plan-submission", "plan_submitted", "zz-jinshui"),
    ]
    assert [r.occurred_on.isoformat() for r in rows] == ["2026-01-20", "2026-02-01"]
    assert len(await harness.run(lambda s: projects.timeline(s, office(), other.id))) == 1


async def _reorder_ids(harness: ServiceHarness, first: uuid.UUID, second: uuid.UUID) -> tuple[uuid.UUID, ...]:
    """Give the first-opened project the larger id, so insertion order and id order disagree."""
    low, high = uuid.UUID(int=1), uuid.UUID(int=2**127)

    async def rename(session):  # type: ignore[no-untyped-def]
        await session.exec(update(Project).where(Project.id == first).values(id=high))
        await session.exec(update(Project).where(Project.id == second).values(id=low))

    await harness.run(rename)
    return high, low


async def test_a_communitys_history_lists_its_projects_by_opening_time_then_id(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Oldest first; two opened in the same instant come in id order (a stable page)."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _community(harness)
    actor, now = district(), harness.clock.now()

    async def open_one(name: str) -> Any:
        create = ProjectCreate(name=name, investment_fen=100, community_id=community.id)
        return await harness.run(lambda s: projects.register_project(s, actor, create, now))

    first, second = await open_one("甲"), await open_one("乙")
    high, low = await _reorder_ids(harness, first.id, second.id)
    history = await harness.run(lambda s: communities.history(s, office(), community.id))
    assert [p.name for p in history.projects] == ["乙", "甲"]  # same instant: the id decides
    assert history.community.id == community.id
    assert [a.eligible for a in history.assessments] == [True]

    later = now + timedelta(minutes=5)

    async def move(session):  # type: ignore[no-untyped-def]
        await session.exec(update(Project).where(Project.id == low).values(created_at=later))

    await harness.run(move)
    history = await harness.run(lambda s: communities.history(s, office(), community.id))
    assert [p.name for p in history.projects] == ["甲", "乙"]  # the time decides before the id
    assert high != low


async def _list(harness: ServiceHarness, **filters: Any) -> tuple[list[str], int]:
    args: dict[str, Any] = {**UNFILTERED, **filters}
    page, total = await harness.run(lambda s: projects.list_projects(s, office(), **args))
    return [p.name for p in page], total


async def _project_in(harness: ServiceHarness, name: str, street_office: str) -> None:
    harness.clock.advance(timedelta(minutes=1))
    community = await _community(harness, name=name, street_office=street_office)
    create = ProjectCreate(name=name, investment_fen=100, community_id=community.id)
    now = harness.clock.now()
    await harness.run(lambda s: projects.register_project(s, district(), create, now))


async def test_projects_filter_by_street_office_and_a_filter_no_name_can_hold_matches_none(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """A street-office filter is compared as names are stored (cleaned); one that is not clean
    text (a NUL) can match no stored name, so the page is empty and the total 0."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    await _project_in(harness, "文化路一号", "文化路街道")
    await _project_in(harness, "花园路一号", "花园路街道")
    assert await _list(harness, street_office="花园路街道") == (["花园路一号"], 1)
    assert await _list(harness, street_office="花园\x00路街道") == ([], 0)
    assert await _list(harness) == (["文化路一号", "花园路一号"], 2)


async def test_projects_filter_by_every_community_flag_at_once_through_their_own_community(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """The community's tier and both flags are read through the project's own community: with
    all three given, only the project whose community matches is listed, once."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    actor, now = district("kf-gulou"), harness.clock.now()

    async def classified_project(session, name: str, tier: str) -> None:  # type: ignore[no-untyped-def]
        body = community_create("kaifeng-2019", name=name)
        community = await communities.register_community(session, actor, body, now)
        classification = Classification(tier=tier, demonstration=True)
        await communities.classify(session, actor, community.id, classification, now)
        create = ProjectCreate(name=name, investment_fen=100, community_id=community.id)
        await projects.register_project(session, actor, create, now)

    await harness.run(lambda s: classified_project(s, "示范", "implement"))
    harness.clock.advance(timedelta(minutes=1))
    now = harness.clock.now()
    await harness.run(lambda s: classified_project(s, "储备", "reserve"))
    found = await _list(harness, tier="implement", demonstration=True, centrally_funded=False)
    assert found == (["示范"], 1)


async def test_the_overdue_filter_without_a_clock_is_a_programming_error(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Overdue is judged against today, so a caller that gives no `now` is told so."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    with pytest.raises(ValueError, match="^the overdue filter needs now$"):
        await _list(harness, overdue=True, now=None)
    with pytest.raises(ValueError, match="^the overdue filter needs now$"):
        await harness.run(
            lambda s: communities.list_communities(s, office(), filters={}, limit=1, offset=0, overdue=False)
        )


async def _fill_kaifeng_list(harness: ServiceHarness, listed: int, unlisted: int) -> None:
    """Kaifeng communities already in the ledger: `listed` on the central-fund list, `unlisted` not."""
    now = harness.clock.now()

    async def add(session):  # type: ignore[no-untyped-def]
        for i in range(listed + unlisted):
            body = community_create("kaifeng-2019", name=f"已录入小区{i}")
            session.add(
                Community.model_validate(
                    body, update={"created_at": now, "updated_at": now, "centrally_funded": i < listed}
                )
            )

    await harness.run(add)


async def _classify(harness: ServiceHarness, community_id: uuid.UUID, body: Classification) -> Any:
    now = harness.clock.now()
    return await harness.run(lambda s: communities.classify(s, district("kf-gulou"), community_id, body, now))


async def test_the_last_place_on_kaifengs_central_fund_list_counts_only_listed_communities(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """Kaifeng 三 funds 117 communities: with 116 listed (and others in the ledger not listed),
    one more goes on; the 118th is refused (422 naming centrally_funded), changing nothing."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    await _fill_kaifeng_list(harness, listed=116, unlisted=3)
    last = await _community(harness, "kaifeng-2019", name="第117个")
    one_more = await _community(harness, "kaifeng-2019", name="第118个")
    listed = await _classify(harness, last.id, Classification(centrally_funded=True))
    assert listed.centrally_funded is True
    with pytest.raises(RuleViolation) as caught:
        await _classify(harness, one_more.id, Classification(tier="implement", centrally_funded=True))
    assert [(p.field, p.rule) for p in caught.value.errors] == [
        ("centrally_funded", "central_fund_list_full")
    ]
    stored = {c.name: c for c in await harness.all(Community)}
    assert (stored["第118个"].centrally_funded, stored["第118个"].tier) == (False, None)


async def test_a_full_list_still_lets_a_listed_community_be_reclassified_and_others_classified_off_it(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """Only a community joining the list takes a place: one already on it keeps its place when
    its tier changes, and one off the list may get a tier while the list is full."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    await _fill_kaifeng_list(harness, listed=116, unlisted=0)
    on_list = await _community(harness, "kaifeng-2019", name="已列入")
    off_list = await _community(harness, "kaifeng-2019", name="未列入")
    await _classify(harness, on_list.id, Classification(centrally_funded=True))
    kept = await _classify(harness, on_list.id, Classification(tier="implement", centrally_funded=True))
    assert (kept.tier, kept.centrally_funded) == ("implement", True)
    tiered = await _classify(harness, off_list.id, Classification(tier="reserve"))
    assert (tiered.tier, tiered.centrally_funded) == ("reserve", False)


async def test_a_classification_audits_the_attributes_before_and_the_command_after(harness_for) -> None:  # type: ignore[no-untyped-def]
    """The office reads in the audit trail what a district changed on a community's ledger entry."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _community(harness, "kaifeng-2019")
    await _classify(harness, community.id, Classification(tier="plan", demonstration=True))
    await _classify(harness, community.id, Classification(tier="implement", centrally_funded=True))
    first, second = await _audit(harness, "community.classified")
    assert (second.record_type, second.record_id) == ("community", str(community.id))
    assert json.loads(first.before) == {"tier": None, "demonstration": False, "centrally_funded": False}
    assert json.loads(second.before) == {"tier": "plan", "demonstration": True, "centrally_funded": False}
    assert json.loads(second.after) == {"tier": "implement", "demonstration": False, "centrally_funded": True}


async def test_a_communitys_assessments_come_oldest_first(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Each correction adds an assessment; the list reads them in the order they were made."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _community(harness, built_year=2005)
    now = harness.clock.now()
    for year in (2001, 1990, 1999):
        body = Reassessment(built_year=year, exclusions=[], note=f"更正为{year}")
        await harness.run(lambda s, body=body: communities.reassess(s, district(), community.id, body, now))
    found = await harness.run(lambda s: communities.assessments(s, office(), community.id))
    assert [a.built_year for a in found] == [2005, 2001, 1990, 1999]


async def test_another_district_cannot_correct_or_classify_a_community_it_does_not_write(harness_for) -> None:  # type: ignore[no-untyped-def]
    """A district writes only its own ledger: to another district the community does not exist
    (404 naming the id), and nothing is recorded."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _community(harness, "kaifeng-2019")
    stranger, now = district("zz-jinshui"), harness.clock.now()
    correction = Reassessment(built_year=1990, exclusions=[], note="越权更正")
    with pytest.raises(NotFoundError, match=f"^no community {community.id}$"):
        await harness.run(lambda s: communities.reassess(s, stranger, community.id, correction, now))
    with pytest.raises(NotFoundError, match=f"^no community {community.id}$"):
        await harness.run(
            lambda s: communities.classify(s, stranger, community.id, Classification(tier="plan"), now)
        )
    assert await harness.audit_actions() == ["community.registered"]


async def test_a_ledger_street_office_filter_no_name_can_hold_matches_no_community(harness_for) -> None:  # type: ignore[no-untyped-def]
    """As for projects: a filter that is not clean text gives an empty page and a total of 0."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    await _community(harness)

    async def page(street_office: str) -> tuple[int, int]:
        found, total = await harness.run(
            lambda s: communities.list_communities(
                s, office(), filters={"street_office": street_office}, limit=10, offset=0
            )
        )
        return len(found), total

    assert await page("文化路街道") == (1, 1)
    assert await page("文化路\x00街道") == (0, 0)


async def test_before_any_deadline_has_passed_no_community_has_an_overdue_project(harness_for) -> None:  # type: ignore[no-untyped-def]
    """With no deadline passed yet, the overdue filter finds no community (total 0) and its
    negation finds every one."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    harness.clock = FixedClock(datetime(2013, 7, 20, 2, 0, tzinfo=UTC))
    project = await open_project(harness, "zhongyuan-2013")

    async def page(overdue: bool) -> tuple[list[uuid.UUID], int]:
        found, total = await harness.run(
            lambda s: communities.list_communities(
                s, office(), filters={}, limit=10, offset=0, overdue=overdue, now=harness.clock.now()
            )
        )
        return [c.id for c in found], total

    assert await page(True) == ([], 0)
    assert await page(False) == ([project.community_id], 1)


async def test_a_district_lists_only_its_own_projects_and_ties_in_time_come_in_id_order(harness_for) -> None:  # type: ignore[no-untyped-def]
    """A district's list holds its district's projects only (the office sees all); two opened in
    the same instant come in id order, so pages are stable."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    first = await open_project(harness, "zhengzhou-2019")
    second = await open_project(harness, "zhengzhou-2019")
    await open_project(harness, "kaifeng-2019")
    await _reorder_ids(harness, first.id, second.id)
    args = UNFILTERED
    page, total = await harness.run(lambda s: projects.list_projects(s, district("zz-jinshui"), **args))
    assert ([p.id for p in page], total) == ([uuid.UUID(int=1), uuid.UUID(int=2**127)], 2)
    everything, total = await harness.run(lambda s: projects.list_projects(s, office(), **args))
    assert total == 3 and sorted(p.district_code for p in everything) == [
        "kf-gulou",
        "zz-jinshui",
        "zz-jinshui",
    ]


async def test_completed_pipeline_work_does_not_hold_up_completion_but_open_work_does(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Kaifeng 七(三): a utility's open work in the project holds up construction completion (the
    exemption is offered instead); once the work is completed, completion is offered again."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    await harness.run(seed_organisations)
    done, held = await planned_project(harness), await planned_project(harness)
    for project in (done, held):
        await walk(harness, project.id, "construction-start")
        await assign(harness, project.id)
    works = {w.project_id: w.id for w in await harness.all(PipelineWork)}
    await start(harness, works[done.id])
    await complete(harness, works[done.id])
    args = UNFILTERED
    page, _ = await harness.run(lambda s: projects.list_projects(s, office(), **args))
    allowed = {p.id: p.allowed_actions for p in page}
    assert "construction-completion" in allowed[done.id]
    assert "construction-completion" not in allowed[held.id]


async def test_a_communitys_history_offers_completion_for_a_project_with_no_pipeline_work(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """Nothing holds up a project in construction without pipeline work: its history shows
    construction completion among the allowed actions."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness)
    await walk(harness, project.id, "construction-start")
    history = await harness.run(lambda s: communities.history(s, office(), project.community_id))
    assert "construction-completion" in history.projects[0].allowed_actions


async def test_opening_a_project_on_an_unknown_or_unseen_community_names_the_field(harness_for) -> None:  # type: ignore[no-untyped-def]
    """An unknown community and another district's community read the same (ids cannot be
    probed): 422 whose problem names community_id and the rule `exists`."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    theirs = await _community(harness, "kaifeng-2019")
    now = harness.clock.now()
    for community_id in (uuid.uuid4(), theirs.id):
        create = ProjectCreate(name="整治", investment_fen=100, community_id=community_id)
        with pytest.raises(RuleViolation) as caught:
            await harness.run(lambda s, c=create: projects.register_project(s, district(), c, now))
        assert caught.value.detail == "the community does not exist"
        assert [p.as_dict() for p in caught.value.errors] == [
            {"field": "community_id", "rule": "exists", "message": "no community with this id"}
        ]


async def test_the_office_reads_every_community_but_opens_no_project(harness_for) -> None:  # type: ignore[no-untyped-def]
    """A district opens projects in its own district only: the office, which sees the
    community, is refused (403) with that sentence, and nothing is staged."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _community(harness)
    create = ProjectCreate(name="整治", investment_fen=100, community_id=community.id)
    now = harness.clock.now()
    with pytest.raises(Forbidden) as caught:
        await harness.run(lambda s: projects.register_project(s, office(), create, now))
    assert caught.value.detail == "a district opens projects in its own district only"
    assert await harness.all(Project) == []


async def test_an_ineligible_community_is_refused_with_each_failed_reason_and_its_clause(harness_for) -> None:  # type: ignore[no-untyped-def]
    """The 422 says why: every failed check of the assessment with its clause, joined by '; '."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _community(harness, built_year=2005, exclusions=["shanty-town-programme"])
    failed = [r for r in community.eligibility if not r["passed"]]
    create = ProjectCreate(name="整治", investment_fen=100, community_id=community.id)
    now = harness.clock.now()
    with pytest.raises(RuleViolation) as caught:
        await harness.run(lambda s: projects.register_project(s, district(), create, now))
    assert caught.value.detail == "only an eligible community can open a project"
    [problem] = caught.value.errors
    assert (problem.field, problem.rule) == ("community_id", "eligible_community")
    assert problem.message == "; ".join(f"{r['message']} ({r['clause']})" for r in failed)
    assert len(failed) == 2 and problem.message.count("郑政文〔2019〕62号") == 2


async def test_registering_a_community_keeps_its_first_assessment_audit_and_business_date(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """The first assessment is stored with the facts it rests on, who assessed and when; the
    audit entry holds the command and the outcome; the event is dated by the Asia/Shanghai day
    (17:00 UTC on 20 November is already the 21st there)."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    harness.clock = FixedClock(datetime(2026, 11, 20, 17, 0, tzinfo=UTC))
    community = await _community(harness, built_year=2005, exclusions=["shanty-town-programme"])
    [assessment] = await harness.all(CommunityAssessment)
    assert (assessment.community_id, assessment.built_year, assessment.exclusions) == (
        community.id,
        2005,
        ["shanty-town-programme"],
    )
    assert (assessment.eligible, assessment.note, assessment.actor_org) == (False, None, "zz-jinshui")
    assert assessment.assessed_at == harness.clock.now()
    assert assessment.eligibility == community.eligibility and len(assessment.eligibility) >= 2
    [entry] = await _audit(harness, "community.registered")
    assert (entry.record_type, entry.record_id) == ("community", str(community.id))
    after = json.loads(entry.after)
    assert (after["eligible"], after["built_year"], after["name"]) == (False, 2005, "文化路3号院")
    event = (await harness.outbox())[-1]
    assert event.type == f"{PREFIX}community.registered.v1"
    assert (event.data["registered_on"], event.data["community_id"]) == ("2026-11-21", str(community.id))


async def test_a_registered_project_is_announced_with_its_community_office_and_business_date(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """ProjectRegistered carries the name, the stated investment, the community's street office
    and the registration date (default: today in Asia/Shanghai); the audit entry holds the command."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    harness.clock = FixedClock(datetime(2026, 11, 20, 17, 0, tzinfo=UTC))
    community = await _community(harness, street_office="花园路街道")
    now = harness.clock.now()
    create = ProjectCreate(name="花园路整治", investment_fen=12_345, community_id=community.id)
    opened = await harness.run(lambda s: projects.register_project(s, district(), create, now))
    assert (opened.step, opened.status, opened.registered_on) == ("survey", "opened", date(2026, 11, 21))
    assert (opened.street_office, opened.community_id, opened.district_code) == (
        "花园路街道",
        community.id,
        "zz-jinshui",
    )
    event = (await harness.outbox())[-1]
    assert event.type == f"{PREFIX}project.registered.v1"
    assert {k: event.data[k] for k in ("name", "investment_fen", "registered_on", "street_office")} == {
        "name": "花园路整治",
        "investment_fen": 12_345,
        "registered_on": "2026-11-21",
        "street_office": "花园路街道",
    }
    assert (event.data["project_id"], event.data["community_id"]) == (str(opened.id), str(community.id))
    [entry] = await _audit(harness, "project.registered")
    assert (entry.record_type, entry.record_id) == ("project", str(opened.id))
    assert json.loads(entry.after)["community_id"] == str(community.id)
    dated = create.model_copy(update={"registered_on": date(2026, 3, 2)})
    backdated = await harness.run(lambda s: projects.register_project(s, district(), dated, now))
    assert backdated.registered_on == date(2026, 3, 2)
    assert (await harness.outbox())[-1].data["registered_on"] == "2026-03-02"


async def test_a_community_is_registered_only_by_its_own_district(harness_for) -> None:  # type: ignore[no-untyped-def]
    """The ledger of a district is written by that district: the office, or another district,
    is refused (403) with that sentence, and nothing is recorded."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    body, now = community_create("zhengzhou-2019"), harness.clock.now()
    for actor in (office(), district("kf-gulou")):
        with pytest.raises(Forbidden) as caught:
            await harness.run(lambda s, a=actor: communities.register_community(s, a, body, now))
        assert caught.value.detail == "a district registers communities in its own district only"
    assert await harness.all(Community) == []
