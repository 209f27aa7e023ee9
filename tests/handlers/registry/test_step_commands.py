"""Every registry step command on the handler tier: the event it stages, its audit entry and
timeline row, and its refusals (which change nothing)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.registry.handlers import SUBSCRIPTIONS
from services.registry.models.acceptance import AcceptanceForm
from services.registry.models.audit import FinalAccountsAudit
from services.registry.models.consultation import ResidentsConsultation
from services.registry.models.planning import PlanApproval, PlanSubmission
from services.registry.models.projects import ProjectStep
from services.registry.models.takeover import PropertyTakeover
from shared.errors import InvalidState, NotFoundError, RuleViolation
from tests.handlers.registry.walk import (
    INVESTMENT_FEN,
    act,
    bodies,
    district,
    open_project,
    project_outbox,
    walk,
)

PREFIX = "registry.project."

# (action, the event it stages, the audit action it records)
STEPS = [
    ("residents-consultation", "residents_consulted", "project.residents_consulted"),
    ("plan-submission", "plan_submitted", "project.plan_submitted"),
    ("plan-approval", "plan_approved", "project.plan_approved"),
    ("construction-start", "construction_started", "project.construction_started"),
    ("progress-report", "progress_reported", "project.progress_reported"),
    ("construction-completion", "construction_completed", "project.construction_completed"),
    ("acceptance-failure", "acceptance_failed", "project.acceptance_failed"),
    ("rectification", "rectification_completed", "project.rectification_completed"),
    ("acceptance", "accepted", "project.accepted"),
    ("final-accounts-audit", "final_accounts_audited", "project.final_accounts_audited"),
    ("property-takeover", "property_taken_over", "project.property_taken_over"),
    ("close-out", "closed", "project.closed"),
]


async def _state(harness):  # type: ignore[no-untyped-def]
    return (await harness.outbox_types(), await harness.audit_actions(), len(await harness.all(ProjectStep)))


@pytest.fixture
async def zz(harness_for):  # type: ignore[no-untyped-def]
    return await harness_for("registry", SUBSCRIPTIONS)


async def test_each_command_stages_its_event_audits_itself_and_adds_a_timeline_row(zz) -> None:  # type: ignore[no-untyped-def]
    project = await open_project(zz)
    for action, event, audit_action in STEPS:
        events, audits, rows = await _state(zz)
        await act(zz, project.id, action)
        new_events, new_audits, new_rows = await _state(zz)
        assert new_events[len(events) :] == [f"{PREFIX}{event}.v1"], action
        assert new_audits[len(audits) :] == [audit_action], action
        assert new_rows == rows + 1, action
    outbox = await project_outbox(zz)
    assert {e.data["project_id"] for e in outbox} == {str(project.id)}
    assert {e.data["district_code"] for e in outbox} == {"zz-jinshui"}


async def test_acceptance_states_its_investment_and_the_audit_comes_later(zz) -> None:  # type: ignore[no-untyped-def]
    project = await open_project(zz)
    accepted = await walk(zz, project.id, "acceptance")
    assert accepted.audited_investment_fen is None and accepted.accepted_investment_fen == INVESTMENT_FEN
    event = (await project_outbox(zz))[-1]
    assert event.type == f"{PREFIX}accepted.v1"
    assert event.data["accepted_investment_fen"] == INVESTMENT_FEN
    assert event.data["investment_fen"] == INVESTMENT_FEN  # the approved plan's investment
    assert event.data["audited_investment_fen"] is None
    audited = await act(zz, project.id, "final-accounts-audit")
    assert audited.audited_investment_fen == 980_000_00
    assert (await project_outbox(zz))[-1].data["audited_investment_fen"] == 980_000_00


async def test_a_step_out_of_order_is_409_with_the_step_and_the_allowed_actions_and_changes_nothing(
    zz,
) -> None:  # type: ignore[no-untyped-def]
    project = await open_project(zz)
    before = await _state(zz)
    with pytest.raises(InvalidState) as caught:
        await act(zz, project.id, "acceptance")
    assert caught.value.current == "survey"
    assert caught.value.allowed == ["residents-consultation"]
    assert await _state(zz) == before


async def test_a_repeated_step_is_409(zz) -> None:  # type: ignore[no-untyped-def]
    project = await open_project(zz)
    await act(zz, project.id, "residents-consultation")
    with pytest.raises(InvalidState):
        await act(zz, project.id, "residents-consultation")


async def test_another_district_cannot_take_a_step(zz) -> None:  # type: ignore[no-untyped-def]
    project = await open_project(zz)
    with pytest.raises(NotFoundError):
        await act(zz, project.id, "residents-consultation", actor=district("zz-erqi"))
    with pytest.raises(NotFoundError):
        await act(zz, uuid.uuid4(), "residents-consultation")


@pytest.mark.parametrize(
    ("on", "rule"),
    [
        (date(2026, 11, 21), "not_in_future"),  # the harness's today is 2026-11-20 in Asia/Shanghai
        (date(2019, 4, 2), "not_before_programme"),  # Zhengzhou 2019 was issued on 2019-04-03
    ],
)
async def test_step_dates_are_not_in_the_future_nor_before_the_programme(zz, on: date, rule: str) -> None:  # type: ignore[no-untyped-def]
    project = await open_project(zz)
    body = bodies("zhengzhou-2019")["residents-consultation"].model_copy(
        update={"consulted_on": on, "publicity_from": date(2019, 1, 1)}
    )
    with pytest.raises(RuleViolation) as caught:
        await act(zz, project.id, "residents-consultation", body)
    assert [(p.field, p.rule) for p in caught.value.errors] == [("consulted_on", rule)]


async def test_a_step_is_not_dated_before_the_previous_one(zz) -> None:  # type: ignore[no-untyped-def]
    project = await open_project(zz)
    await act(zz, project.id, "residents-consultation")  # 2026-01-20
    early = PlanSubmission.model_validate(
        {"submitted_on": "2026-01-19", "items": [{"item_code": "roads-kerbs", "investment_fen": 1}]}
    )
    with pytest.raises(RuleViolation) as caught:
        await act(zz, project.id, "plan-submission", early)
    assert [(p.field, p.rule) for p in caught.value.errors] == [("submitted_on", "not_before_previous_step")]


@pytest.mark.parametrize(
    ("update", "fields"),
    [
        ({"households_consulted": 321}, [("households_consulted", "at_most_households")]),
        ({"households_in_favour": 301}, [("households_in_favour", "at_most_consulted")]),
        ({"publicity_to": date(2026, 1, 1)}, [("publicity_to", "not_before_publicity_from")]),
        ({"consulted_on": date(2026, 1, 5)}, [("consulted_on", "not_before_publicity_from")]),
    ],
)
async def test_consultation_figures_must_be_possible(zz, update, fields) -> None:  # type: ignore[no-untyped-def]
    project = await open_project(zz)
    body = bodies("zhengzhou-2019")["residents-consultation"].model_copy(update=update)
    with pytest.raises(RuleViolation) as caught:
        await act(
            zz, project.id, "residents-consultation", ResidentsConsultation.model_validate(body.model_dump())
        )
    assert [(p.field, p.rule) for p in caught.value.errors] == fields


async def test_plan_items_come_from_the_programmes_catalogue_once_each(zz) -> None:  # type: ignore[no-untyped-def]
    project = await open_project(zz)
    await act(zz, project.id, "residents-consultation")
    body = PlanSubmission.model_validate(
        {
            "submitted_on": "2026-02-01",
            "items": [
                {"item_code": "roads-kerbs", "investment_fen": 1},
                {"item_code": "swimming-pool", "investment_fen": 1},
                {"item_code": "roads-kerbs", "investment_fen": 1},
            ],
        }
    )
    with pytest.raises(RuleViolation) as caught:
        await act(zz, project.id, "plan-submission", body)
    assert [(p.field, p.rule) for p in caught.value.errors] == [
        ("items.1.item_code", "catalogue_item"),
        ("items.2.item_code", "unique"),
    ]


async def test_a_plan_revision_is_a_new_version_and_only_the_latest_is_approved(zz) -> None:  # type: ignore[no-untyped-def]
    project = await open_project(zz)
    await act(zz, project.id, "residents-consultation")
    first = await act(zz, project.id, "plan-submission")
    second = await act(zz, project.id, "plan-submission")
    assert (first.plan_version, second.plan_version) == (1, 2)
    submitted = [e.data["version"] for e in await project_outbox(zz) if e.type.endswith("plan_submitted.v1")]
    assert submitted == [1, 2]
    with pytest.raises(RuleViolation) as caught:
        await act(zz, project.id, "plan-approval", PlanApproval(approved_on=date(2026, 3, 1), version=1))
    assert caught.value.errors[0].rule == "latest_version"
    approved = await act(
        zz, project.id, "plan-approval", PlanApproval(approved_on=date(2026, 3, 1), version=2)
    )
    assert approved.approved_investment_fen == INVESTMENT_FEN


@pytest.mark.parametrize("action", ["acceptance", "final-accounts-audit"])
async def test_an_investment_over_twice_the_plan_needs_confirmation(zz, action: str) -> None:  # type: ignore[no-untyped-def]
    project = await open_project(zz)
    await walk(zz, project.id, "construction-completion" if action == "acceptance" else "acceptance")
    field = "accepted_investment_fen" if action == "acceptance" else "audited_investment_fen"
    body = bodies("zhengzhou-2019")[action]
    too_much = body.model_copy(update={field: 2 * INVESTMENT_FEN + 1})
    with pytest.raises(RuleViolation) as caught:
        await act(zz, project.id, action, too_much)
    assert [(p.field, p.rule) for p in caught.value.errors] == [(field, "over_plan_needs_confirmation")]
    at_limit = body.model_copy(update={field: 2 * INVESTMENT_FEN})
    confirmed = too_much.model_copy(update={"confirm_over_plan": True})
    project_after = await act(zz, project.id, action, confirmed if action == "acceptance" else at_limit)
    assert getattr(project_after, field) in (2 * INVESTMENT_FEN, 2 * INVESTMENT_FEN + 1)


async def test_zhengzhou_2019_takeover_mode_comes_from_the_profile(zz) -> None:  # type: ignore[no-untyped-def]
    project = await open_project(zz)
    await walk(zz, project.id, "acceptance")
    body = PropertyTakeover(taken_over_on=date(2026, 11, 5), mode="castle-guards", manager="某物业公司")
    with pytest.raises(RuleViolation) as caught:
        await act(zz, project.id, "property-takeover", body)
    assert [(p.field, p.rule) for p in caught.value.errors] == [("mode", "takeover_mode")]


async def test_close_out_waits_for_the_final_accounts_audit(zz) -> None:  # type: ignore[no-untyped-def]
    project = await open_project(zz)
    await walk(zz, project.id, "acceptance")
    taken = await act(zz, project.id, "property-takeover")
    assert taken.allowed_actions == ["final-accounts-audit"]
    with pytest.raises(InvalidState):
        await act(zz, project.id, "close-out")


async def test_acceptance_dated_before_a_signature_is_refused(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    await walk(harness, project.id, "construction-completion")
    form = bodies("kaifeng-2019")["acceptance"].model_dump(mode="json")
    form["sign_offs"][0]["signed_on"] = "2026-10-16"
    with pytest.raises(RuleViolation) as caught:
        await act(harness, project.id, "acceptance", AcceptanceForm.model_validate(form))
    assert [(p.field, p.rule) for p in caught.value.errors] == [
        ("sign_offs.0.signed_on", "not_after_acceptance")
    ]


async def test_an_audit_is_refused_where_the_programme_has_none(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    await walk(harness, project.id, "acceptance")
    body = FinalAccountsAudit(audited_on=date(2026, 11, 1), audited_investment_fen=1)
    with pytest.raises(InvalidState, match="the plan has no such step"):
        await act(harness, project.id, "final-accounts-audit", body)
