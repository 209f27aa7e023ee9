"""What each step command leaves behind, pinned where mutants survived: the timeline row (step,
status, date, data, organisation, time), the audit entry (the step and status before, the action
and its data after), the event's fields, and the problem naming the command's own date field."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.registry.domain.lifecycle import BY_NAME
from services.registry.handlers import SUBSCRIPTIONS
from services.registry.models.projects import ProjectPublic, ProjectStep
from shared.audit import AuditEntry
from shared.errors import NotFoundError, RuleViolation
from shared.policy import get_profile
from tests.handlers.harness import ServiceHarness
from tests.handlers.registry.walk import (
    INVESTMENT_FEN,
    act,
    bodies,
    district,
    open_project,
    project_outbox,
    projects_get,
    walk,
)

DATE_FIELDS = {
    "residents-consultation": "consulted_on",
    "plan-submission": "submitted_on",
    "plan-approval": "approved_on",
    "project-approval": "done_on",
    "design-review": "done_on",
    "cost-review": "done_on",
    "tender-award": "awarded_on",
    "construction-start": "started_on",
    "progress-report": "reported_on",
    "construction-completion": "completed_on",
    "acceptance-failure": "inspected_on",
    "rectification": "rectified_on",
    "acceptance": "accepted_on",
    "final-accounts-audit": "audited_on",
    "property-takeover": "taken_over_on",
    "close-out": "closed_on",
}
"""The body field that dates each command (named in a date problem)."""

KAIFENG_PATH = [
    "residents-consultation",
    "plan-submission",
    "plan-approval",
    "project-approval",
    "design-review",
    "cost-review",
    "tender-award",
    "construction-start",
    "progress-report",
    "construction-completion",
    "acceptance-failure",
    "rectification",
    "acceptance",
    "property-takeover",
]
"""Every Kaifeng 2019 command, in an order its steps allow (with the failed acceptance first;
Kaifeng's plan has no final-accounts-audit step and no close-out)."""


async def _last_audit(harness: ServiceHarness) -> AuditEntry:
    return max(await harness.all(AuditEntry), key=lambda e: e.id)


async def _last_row(harness: ServiceHarness) -> ProjectStep:
    return max(await harness.all(ProjectStep), key=lambda r: r.id)


def _body_date(action: str, body: Any) -> date:
    return getattr(body, DATE_FIELDS[action])


async def _check_step(
    harness: ServiceHarness, action: str, body: Any, before: ProjectPublic, after: ProjectPublic
) -> None:
    """The row, the audit entry and the event one command leaves, against the body it was given."""
    body_json = body.model_dump(mode="json")
    on = _body_date(action, body)
    row = await _last_row(harness)
    assert (row.project_id, row.action, row.step, row.status) == (after.id, action, after.step, after.status)
    assert (row.occurred_on, row.actor_org, row.recorded_at) == (on, after.district_code, harness.clock.now())
    kept = {k: v for k, v in body_json.items() if k != "commitments"}
    assert {k: row.data[k] for k in kept} == kept, action
    entry = await _last_audit(harness)
    assert (entry.record_type, entry.record_id, entry.actor_org) == (
        "project",
        str(after.id),
        after.district_code,
    )
    assert json.loads(entry.before) == {"step": before.step, "status": before.status}, action
    assert json.loads(entry.after) == {
        "action": action,
        "step": after.step,
        "status": after.status,
        **row.data,
    }, action
    event = (await project_outbox(harness))[-1]
    assert entry.action == "project." + event.type.split(".")[2]
    assert {k: event.data[k] for k in ("project_id", "community_id", "district_code", "programme_code")} == {
        "project_id": str(after.id),
        "community_id": str(after.community_id),
        "district_code": after.district_code,
        "programme_code": after.programme_code,
    }
    event_date = "passed_on" if DATE_FIELDS[action] == "done_on" else DATE_FIELDS[action]
    assert event.data[event_date] == on.isoformat(), action
    assert (after.last_step_on, after.updated_at) == (on, harness.clock.now())


async def test_every_kaifeng_command_records_its_row_audit_entry_and_event(harness_for) -> None:  # type: ignore[no-untyped-def]
    """One walk through every command: each leaves one timeline row at the status it leads to,
    audits the step and status before with the action and its data after, and announces itself."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    given = bodies("kaifeng-2019")
    for action in KAIFENG_PATH:
        before = await projects_get(harness, project.id)
        after = await act(harness, project.id, action, given[action])
        await _check_step(harness, action, given[action], before, after)
        events = await project_outbox(harness)
        data = events[-1].data
        if action in ("project-approval", "design-review", "cost-review"):
            assert data["step"] == BY_NAME[action].step and data["reference"] == given[action].reference
        if action == "plan-submission":
            assert (data["version"], data["investment_fen"]) == (1, INVESTMENT_FEN)
            assert [i["item_code"] for i in data["items"]] == [i.item_code for i in given[action].items]
        if action in ("plan-submission", "plan-approval"):
            row = await _last_row(harness)  # the timeline keeps the version and its total
            assert (row.data["version"], row.data["investment_fen"]) == (1, INVESTMENT_FEN)
        if action == "plan-approval":
            assert (data["version"], data["investment_fen"]) == (1, INVESTMENT_FEN)
            assert after.approved_investment_fen == INVESTMENT_FEN
        if action == "tender-award":
            assert (data["contractor"], data["supervisor"]) == ("某建设公司", "某监理公司")
        if action == "progress-report":
            assert data["items"] == [{"item_code": given[action].items[0].item_code, "percent_complete": 50}]
            assert after.status == before.status == "construction_started"  # a report moves nothing
        if action == "acceptance-failure":
            assert [d["description"] for d in data["defects"]] == ["雨水管接口渗漏"]
        if action == "acceptance":
            assert data["investment_fen"] == INVESTMENT_FEN  # the approved plan's
            assert data["accepted_investment_fen"] == INVESTMENT_FEN
            assert data["audited_investment_fen"] is None  # acceptance does not wait for the audit
            assert (after.accepted_on, after.accepted_investment_fen) == (date(2026, 10, 15), INVESTMENT_FEN)
        if action == "property-takeover":
            assert (data["mode"], data["manager"]) == ("property-company", "某物业公司")
            assert Decimal(data["floor_area_m2"]) == Decimal("25000.50")  # the ledger's, for subsidies
        harness.clock.advance(timedelta(minutes=1))


async def test_the_final_accounts_audit_and_the_close_out_record_their_figure_and_dates(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Zhengzhou 2019 audits the final accounts after acceptance and closes the ledger entry
    (销号) last: each is recorded like any step, the audit with its audited investment."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhengzhou-2019")
    assert project.district_code == "zz-jinshui"
    await walk(harness, project.id, "acceptance")
    given = bodies("zhengzhou-2019")
    for action in ("final-accounts-audit", "property-takeover", "close-out"):
        harness.clock.advance(timedelta(minutes=1))
        before = await projects_get(harness, project.id)
        after = await act(harness, project.id, action)
        await _check_step(harness, action, given[action], before, after)
    audited = (await project_outbox(harness))[-3].data
    assert audited["audited_investment_fen"] == 980_000_00
    assert (after.audited_on, after.audited_investment_fen) == (date(2026, 11, 1), 980_000_00)
    assert after.closed_on == date(2026, 11, 10)


async def test_rectification_and_progress_carry_their_notes(harness_for) -> None:  # type: ignore[no-untyped-def]
    """The note a district writes on a rectification or progress report travels with the event."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    given = bodies("kaifeng-2019")
    for action in KAIFENG_PATH[: KAIFENG_PATH.index("progress-report")]:
        await act(harness, project.id, action)
    report = given["progress-report"].model_copy(update={"note": "管网改造过半"})
    await act(harness, project.id, "progress-report", report)
    assert (await project_outbox(harness))[-1].data["note"] == "管网改造过半"
    for action in ("construction-completion", "acceptance-failure"):
        await act(harness, project.id, action)
    fixed = given["rectification"].model_copy(update={"note": "渗漏已修复"})
    await act(harness, project.id, "rectification", fixed)
    event = (await project_outbox(harness))[-1]
    assert (event.data["note"], event.data["rectified_on"]) == ("渗漏已修复", "2026-09-30")


@pytest.mark.parametrize("action", KAIFENG_PATH)
async def test_a_command_dated_tomorrow_is_refused_naming_its_own_date_field(
    harness_for, action: str
) -> None:  # type: ignore[no-untyped-def]
    """A step cannot have happened after today (Asia/Shanghai): the 422 names the body's date
    field and the rule, and nothing is recorded."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    for earlier in KAIFENG_PATH[: KAIFENG_PATH.index(action)]:
        await act(harness, project.id, earlier)
    field = DATE_FIELDS[action]
    body = bodies("kaifeng-2019")[action].model_copy(update={field: date(2026, 11, 21)})
    rows = len(await harness.all(ProjectStep))
    with pytest.raises(RuleViolation) as caught:
        await act(harness, project.id, action, body)
    assert [(p.field, p.rule) for p in caught.value.errors] == [(field, "not_in_future")]
    assert len(await harness.all(ProjectStep)) == rows


async def test_a_step_dated_before_the_last_one_is_refused_even_after_earlier_steps(harness_for) -> None:  # type: ignore[no-untyped-def]
    """The last step's date is the latest taken, so a step between the first and the last
    step's dates is still refused (the project's dates never go backwards)."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    await act(harness, project.id, "residents-consultation")  # 2026-01-20
    await act(harness, project.id, "plan-submission")  # 2026-02-01
    approval = bodies("kaifeng-2019")["plan-approval"].model_copy(update={"approved_on": date(2026, 1, 25)})
    with pytest.raises(RuleViolation) as caught:
        await act(harness, project.id, "plan-approval", approval)
    assert [(p.field, p.rule) for p in caught.value.errors] == [("approved_on", "not_before_previous_step")]
    same_day = approval.model_copy(update={"approved_on": date(2026, 2, 1)})
    approved = await act(harness, project.id, "plan-approval", same_day)
    assert approved.last_step_on == date(2026, 2, 1)


async def test_a_district_reading_another_districts_project_cannot_step_it(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Only the project's own district writes its steps; to another it does not exist (404
    naming the id)."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    with pytest.raises(NotFoundError, match=f"^no project {project.id}$"):
        await act(harness, project.id, "residents-consultation", actor=district("zz-jinshui"))
    assert await harness.all(ProjectStep) == []


async def test_a_step_dated_before_its_programme_was_issued_is_refused(harness_for) -> None:  # type: ignore[no-untyped-def]
    """A Kaifeng 2019 step cannot predate the Kaifeng plan itself (422 naming the date field)."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    early = bodies("kaifeng-2019")["residents-consultation"].model_copy(
        update={
            "consulted_on": date(2018, 1, 1),
            "publicity_from": date(2017, 12, 1),
            "publicity_to": date(2017, 12, 8),
        }
    )
    with pytest.raises(RuleViolation) as caught:
        await act(harness, project.id, "residents-consultation", early)
    assert [(p.field, p.rule) for p in caught.value.errors] == [("consulted_on", "not_before_programme")]


@pytest.mark.parametrize(
    ("action", "field"), [("final-accounts-audit", "audited_on"), ("close-out", "closed_on")]
)
async def test_the_audit_and_the_close_out_dated_tomorrow_name_their_own_date_field(
    harness_for, action: str, field: str
) -> None:  # type: ignore[no-untyped-def]
    """As every step: a date after today is refused naming the body's own date field."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhengzhou-2019")
    await walk(harness, project.id, "acceptance")
    if action == "close-out":
        await act(harness, project.id, "final-accounts-audit")
        await act(harness, project.id, "property-takeover")
    body = bodies("zhengzhou-2019")[action].model_copy(update={field: date(2026, 11, 21)})
    with pytest.raises(RuleViolation) as caught:
        await act(harness, project.id, action, body)
    assert [(p.field, p.rule) for p in caught.value.errors] == [(field, "not_in_future")]


async def test_an_audited_investment_far_above_the_plan_is_recorded_once_confirmed(harness_for) -> None:  # type: ignore[no-untyped-def]
    """An audited figure well above the plan needs the district's confirmation; confirmed, it is
    recorded and announced as audited."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhengzhou-2019")
    await walk(harness, project.id, "acceptance")
    body = bodies("zhengzhou-2019")["final-accounts-audit"]
    too_much = body.model_copy(update={"audited_investment_fen": INVESTMENT_FEN * 3})
    with pytest.raises(RuleViolation) as caught:
        await act(harness, project.id, "final-accounts-audit", too_much)
    assert [p.field for p in caught.value.errors] == ["audited_investment_fen"]
    confirmed = too_much.model_copy(update={"confirm_over_plan": True})
    audited = await act(harness, project.id, "final-accounts-audit", confirmed)
    assert audited.audited_investment_fen == INVESTMENT_FEN * 3
    assert (await project_outbox(harness))[-1].data["audited_investment_fen"] == INVESTMENT_FEN * 3


async def test_a_takeover_records_the_commitments_its_service_level_implies(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Zhongyuan 三(二): a takeover at the four-haves level without a list commits to the level's
    items; the timeline row and the event carry those commitments."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhongyuan-2013")
    await walk(harness, project.id, "acceptance")
    await act(harness, project.id, "property-takeover")
    event = (await project_outbox(harness))[-1]
    row = await _last_row(harness)
    assert bodies("zhongyuan-2013")["property-takeover"].commitments == []
    level = next(s for s in get_profile("zhongyuan-2013").service_levels if s.code == "four-haves")
    four_haves = [item.code for item in level.items]
    assert len(four_haves) == 4
    assert event.data["commitments"] == row.data["commitments"] == four_haves


async def test_a_defect_naming_an_item_outside_the_catalogue_is_refused_naming_it(harness_for) -> None:  # type: ignore[no-untyped-def]
    """A defect may name the catalogue item it concerns; one the programme lacks is refused (422
    naming the defect's item_code and the rule), one it has is recorded."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    await walk(harness, project.id, "construction-completion")
    failure = bodies("kaifeng-2019")["acceptance-failure"]
    defect = failure.defects[0]
    unknown = failure.model_copy(update={"defects": [defect.model_copy(update={"item_code": "moon-base"})]})
    with pytest.raises(RuleViolation) as caught:
        await act(harness, project.id, "acceptance-failure", unknown)
    assert [(p.field, p.rule) for p in caught.value.errors] == [("defects.0.item_code", "catalogue_item")]
    item = get_profile("kaifeng-2019").catalogue.items[0].code
    known = failure.model_copy(update={"defects": [defect.model_copy(update={"item_code": item})]})
    failed = await act(harness, project.id, "acceptance-failure", known)
    assert failed.status == "acceptance_failed"


async def test_the_problem_names_the_defect_whose_item_is_unknown_by_its_place_in_the_body(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """RFC 9457 problems name the field as the client sent it: the second defect is `defects.1`,
    even when the first names no item."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    await walk(harness, project.id, "construction-completion")
    failure = bodies("kaifeng-2019")["acceptance-failure"]
    defect = failure.defects[0]
    body = failure.model_copy(
        update={"defects": [defect, defect.model_copy(update={"item_code": "moon-base"})]}
    )
    with pytest.raises(RuleViolation) as caught:
        await act(harness, project.id, "acceptance-failure", body)
    assert [(p.field, p.rule) for p in caught.value.errors] == [("defects.1.item_code", "catalogue_item")]


async def test_progress_on_an_item_outside_the_approved_plan_is_refused_naming_the_plan(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Progress is reported on the approved plan's items: another catalogue item is refused (422
    naming its place in the body and listing the planned items), and nothing is recorded."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    await walk(harness, project.id, "construction-start")
    catalogue = [item.code for item in get_profile("kaifeng-2019").catalogue.items]
    planned, other = catalogue[:2], catalogue[2]
    report = bodies("kaifeng-2019")["progress-report"]
    items = [report.items[0], report.items[0].model_copy(update={"item_code": other})]
    rows = len(await harness.all(ProjectStep))
    with pytest.raises(RuleViolation) as caught:
        await act(harness, project.id, "progress-report", report.model_copy(update={"items": items}))
    assert caught.value.detail == "progress is reported on the items of the approved plan"
    assert [p.as_dict() for p in caught.value.errors] == [
        {
            "field": "items.1.item_code",
            "rule": "planned_item",
            "message": f"planned: {', '.join(sorted(planned))}",
        }
    ]
    assert len(await harness.all(ProjectStep)) == rows


async def test_approving_a_version_other_than_the_latest_names_the_version_to_approve(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Only the latest submitted plan can be approved: the 422 names `version` and the one to approve."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    await walk(harness, project.id, "plan-submission")
    stale = bodies("kaifeng-2019")["plan-approval"].model_copy(update={"version": 2})
    with pytest.raises(RuleViolation) as caught:
        await act(harness, project.id, "plan-approval", stale)
    assert caught.value.detail == "version 2 is not the latest submitted plan (1)"
    assert [p.as_dict() for p in caught.value.errors] == [
        {"field": "version", "rule": "latest_version", "message": "approve version 1"}
    ]
