"""Each programme's project follows its own profile: Kaifeng's reviews and tender and joint
acceptance, Zhongyuan's tender-first lifecycle, headquarters round and service levels."""

from __future__ import annotations

from datetime import date

import pytest

from services.registry.handlers import SUBSCRIPTIONS
from services.registry.models.acceptance import AcceptanceForm
from services.registry.models.takeover import PropertyTakeover
from shared.errors import InvalidState, RuleViolation
from shared.policy import get_profile, sign_offs
from tests.handlers.registry.walk import act, bodies, open_project, project_outbox, project_outbox_types, walk

PREFIX = "registry.project."


def _form(programme: str, roles: list[str], **dates: str) -> AcceptanceForm:
    form = bodies(programme)["acceptance"].model_dump(mode="json")
    form["sign_offs"] = [
        {"role": r, "signatory": f"{r} 签字人", "signed_on": dates.get(r.replace("-", "_"), "2026-10-15")}
        for r in roles
    ]
    return AcceptanceForm.model_validate(form)


@pytest.mark.parametrize("programme", ["zhengzhou-2019", "zhengzhou-2018", "kaifeng-2019", "zhongyuan-2013"])
async def test_each_programme_walks_its_own_steps_to_takeover(harness_for, programme: str) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, programme)
    taken = await walk(harness, project.id, "property-takeover")
    assert taken.status == "taken_over"
    steps = [t.removeprefix(PREFIX) for t in await project_outbox_types(harness)]
    assert steps[0] == "registered.v1" and steps[-1] == "property_taken_over.v1"
    assert "accepted.v1" in steps


async def test_kaifeng_reviews_and_tender_come_after_the_approved_plan(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    await walk(harness, project.id, "tender-award")
    steps = [t.removeprefix(PREFIX) for t in await project_outbox_types(harness)]
    assert steps == [
        "registered.v1",
        "residents_consulted.v1",
        "plan_submitted.v1",
        "plan_approved.v1",
        "review_passed.v1",
        "review_passed.v1",
        "review_passed.v1",
        "tender_awarded.v1",
    ]
    reviews = [e.data["step"] for e in await project_outbox(harness) if e.type.endswith("review_passed.v1")]
    assert reviews == ["approval", "design_review", "cost_review"]
    audits = await harness.audit_actions()
    assert audits[-4:] == ["project.review_passed"] * 3 + ["project.tender_awarded"]


async def test_kaifeng_acceptance_is_refused_until_every_party_the_profile_names_signs(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    await walk(harness, project.id, "construction-completion")
    without_surveyor = ["owners-committee", "contractor", "supervisor", "designer"]
    with pytest.raises(RuleViolation) as caught:
        await act(harness, project.id, "acceptance", _form("kaifeng-2019", without_surveyor))
    assert [(p.field, p.rule) for p in caught.value.errors] == [("sign_offs", "all_parties_sign")]
    assert "surveyor" in caught.value.detail
    with pytest.raises(RuleViolation) as caught:
        await act(harness, project.id, "acceptance", _form("kaifeng-2019", [*without_surveyor, "mayor"]))
    assert [(p.field, p.rule) for p in caught.value.errors] == [("sign_offs.4.role", "acceptance_role")]
    assert not [t for t in await project_outbox_types(harness) if t.endswith("accepted.v1")]


@pytest.mark.parametrize("owners", ["owners-committee", "owners-representatives"])
async def test_kaifeng_owners_sign_through_their_committee_or_their_representatives(
    harness_for, owners: str
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    await walk(harness, project.id, "construction-completion")
    roles = [owners, "contractor", "supervisor", "designer", "surveyor"]
    accepted = await act(harness, project.id, "acceptance", _form("kaifeng-2019", roles))
    assert accepted.status == "accepted"
    required = sign_offs(get_profile("kaifeng-2019"), "acceptance")
    assert any(owners in s.any_of and len(s.any_of) == 2 for s in required)


async def test_kaifeng_a_defect_sends_the_project_to_rectification_then_re_acceptance(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "kaifeng-2019")
    await walk(harness, project.id, "construction-completion")
    failed = await act(harness, project.id, "acceptance-failure")
    assert (failed.status, failed.allowed_actions) == ("acceptance_failed", ["rectification"])
    with pytest.raises(InvalidState):
        await act(harness, project.id, "acceptance")
    rectified = await act(harness, project.id, "rectification")
    assert rectified.allowed_actions == ["acceptance", "acceptance-failure"]
    accepted = await act(harness, project.id, "acceptance")
    assert accepted.status == "accepted"
    defects = next(e for e in await project_outbox(harness) if e.type.endswith("acceptance_failed.v1")).data[
        "defects"
    ]
    assert defects[0]["description"] == "雨水管接口渗漏"


async def test_zhongyuan_starts_at_its_tender_and_refuses_a_consultation(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhongyuan-2013")
    assert (project.step, project.allowed_actions) == ("tender", ["tender-award"])
    with pytest.raises(InvalidState, match="the plan has no such step"):
        await act(
            harness, project.id, "residents-consultation", bodies("zhengzhou-2019")["residents-consultation"]
        )


async def test_zhongyuan_headquarters_inspects_after_street_office_and_community_sign(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhongyuan-2013")
    await walk(harness, project.id, "construction-completion")
    roles = ["street-office", "community", "district-headquarters"]
    early = _form("zhongyuan-2013", roles, district_headquarters="2026-10-10", community="2026-10-12")
    with pytest.raises(RuleViolation) as caught:
        await act(harness, project.id, "acceptance", early)
    assert [(p.field, p.rule) for p in caught.value.errors] == [("sign_offs", "sign_off_round_order")]
    accepted = await act(harness, project.id, "acceptance", _form("zhongyuan-2013", roles))
    assert accepted.status == "accepted"


@pytest.mark.parametrize(
    ("level", "commitments", "rule"),
    [
        (None, [], "service_level"),
        ("nine-haves", [], "service_level"),
        ("four-haves", ["cleaning"], "service_level_items"),
    ],
)
async def test_zhongyuan_takeover_commits_to_a_service_level_of_the_profile(
    harness_for, level, commitments, rule
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhongyuan-2013")
    await walk(harness, project.id, "acceptance")
    body = PropertyTakeover(
        taken_over_on=date(2026, 11, 5),
        mode="logistics-management",
        manager="街道后勤服务中心",
        service_level=level,
        commitments=commitments,
    )
    with pytest.raises(RuleViolation) as caught:
        await act(harness, project.id, "property-takeover", body)
    assert caught.value.errors[0].rule == rule


async def test_zhongyuan_takeover_defaults_its_commitments_to_the_levels_haves(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhongyuan-2013")
    await walk(harness, project.id, "acceptance")
    await act(harness, project.id, "property-takeover")
    event = (await project_outbox(harness))[-1]
    assert event.data["mode"] == "logistics-management"
    level = next(s for s in get_profile("zhongyuan-2013").service_levels if s.code == "four-haves")
    assert event.data["commitments"] == [item.code for item in level.items]
