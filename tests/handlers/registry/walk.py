"""Drive registry commands on the handler tier: principals, bodies with plausible dates, a walk."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from services.registry.handlers import (
    acceptance,
    audit,
    communities,
    construction,
    consultation,
    planning,
    projects,
    takeover,
    tendering,
)
from services.registry.models.acceptance import AcceptanceFailure, AcceptanceForm, Rectification
from services.registry.models.audit import FinalAccountsAudit
from services.registry.models.communities import CommunityCreate
from services.registry.models.construction import ConstructionCompletion, ConstructionStart, ProgressReport
from services.registry.models.consultation import ResidentsConsultation
from services.registry.models.planning import PlanApproval, PlanSubmission
from services.registry.models.projects import ProjectCreate, ProjectPublic
from services.registry.models.takeover import CloseOut, PropertyTakeover
from services.registry.models.tendering import ReviewRecord, TenderAward
from shared.access import Principal, default_scopes
from shared.directory import OrganisationKind
from shared.policy import catalogue_item, get_profile
from tests.handlers.harness import ServiceHarness

DISTRICTS = {
    "zhengzhou-2019": "zz-jinshui",
    "zhengzhou-2018": "zz-jinshui",
    "kaifeng-2019": "kf-gulou",
    "zhongyuan-2013": "zz-zhongyuan",
}
INVESTMENT_FEN = 1_000_000_00
UNFILTERED: dict[str, Any] = {
    "programme_code": None,
    "district_code": None,
    "street_office": None,
    "step": None,
    "status": None,
    "limit": 100,
    "offset": 0,
}
"""`list_projects`' keyword arguments with no filter and one page of 100; a test overrides some."""


def district(code: str = "zz-jinshui") -> Principal:
    kind = OrganisationKind.DISTRICT
    return Principal(f"user@{code}", code, kind, default_scopes(kind, code), district_code=code)


def office() -> Principal:
    kind = OrganisationKind.OFFICE
    return Principal("user@office", "office", kind, default_scopes(kind, "office"))


def first_items(programme: str, n: int = 2) -> list[str]:
    return [item.code for item in get_profile(programme).catalogue.items[:n]]


def bodies(programme: str) -> dict[str, Any]:
    """A valid body for each action, dated in order before the harness's today (2026-11-20)."""
    items = first_items(programme)
    catalogue_item(get_profile(programme), items[0])
    half = INVESTMENT_FEN // 2
    signatures = {
        "kaifeng-2019": ["owners-representatives", "contractor", "supervisor", "designer", "surveyor"],
        "zhengzhou-2018": ["residents-committee", "resident-representatives"],
        "zhongyuan-2013": ["street-office", "community", "district-headquarters"],
    }.get(programme, [])
    takeover_modes = {
        "zhengzhou-2019": ("existing-company", None),
        "kaifeng-2019": ("property-company", None),
        "zhongyuan-2013": ("logistics-management", "four-haves"),
        "zhengzhou-2018": ("property-company", None),
    }[programme]
    return {
        "residents-consultation": ResidentsConsultation(
            consulted_on=date(2026, 1, 20),
            households_consulted=300,
            households_in_favour=250,
            publicity_notice="文化路3号院改造公示",
            publicity_from=date(2026, 1, 10),
            publicity_to=date(2026, 1, 17),
        ),
        "plan-submission": PlanSubmission.model_validate(
            {"submitted_on": "2026-02-01", "items": [{"item_code": c, "investment_fen": half} for c in items]}
        ),
        "plan-approval": PlanApproval(approved_on=date(2026, 3, 1), version=1),
        "project-approval": ReviewRecord(done_on=date(2026, 3, 5), reference="汴发改〔2026〕1号"),
        "design-review": ReviewRecord(done_on=date(2026, 3, 10), reference="设计审查-1"),
        "cost-review": ReviewRecord(done_on=date(2026, 3, 15), reference="造价评审-1"),
        "tender-award": TenderAward(
            awarded_on=date(2026, 3, 20), contractor="某建设公司", supervisor="某监理公司"
        ),
        "construction-start": ConstructionStart(started_on=date(2026, 4, 1)),
        "progress-report": ProgressReport.model_validate(
            {"reported_on": "2026-06-01", "items": [{"item_code": items[0], "percent_complete": 50}]}
        ),
        "construction-completion": ConstructionCompletion(completed_on=date(2026, 9, 1)),
        "acceptance-failure": AcceptanceFailure.model_validate(
            {
                "inspected_on": "2026-09-10",
                "defects": [
                    {
                        "description": "雨水管接口渗漏",
                        "recorded_by": signatures[0] if signatures else "district",
                    }
                ],
            }
        ),
        "rectification": Rectification(rectified_on=date(2026, 9, 30)),
        "acceptance": AcceptanceForm.model_validate(
            {
                "accepted_on": "2026-10-15",
                "accepted_investment_fen": INVESTMENT_FEN,
                "sign_offs": [
                    {"role": role, "signatory": f"{role}签字人", "signed_on": "2026-10-15"}
                    for role in signatures
                ],
            }
        ),
        "final-accounts-audit": FinalAccountsAudit(
            audited_on=date(2026, 11, 1), audited_investment_fen=980_000_00
        ),
        "property-takeover": PropertyTakeover(
            taken_over_on=date(2026, 11, 5),
            mode=takeover_modes[0],
            manager="某物业公司",
            service_level=takeover_modes[1],
        ),
        "close-out": CloseOut(closed_on=date(2026, 11, 10)),
    }


COMMANDS = {
    "residents-consultation": consultation.consult_residents,
    "plan-submission": planning.submit_plan,
    "plan-approval": planning.approve_plan,
    "tender-award": tendering.award_tender,
    "construction-start": construction.start_construction,
    "progress-report": construction.report_progress,
    "construction-completion": construction.complete_construction,
    "acceptance": acceptance.accept,
    "acceptance-failure": acceptance.fail_acceptance,
    "rectification": acceptance.rectify,
    "final-accounts-audit": audit.record_final_audit,
    "property-takeover": takeover.take_over,
    "close-out": takeover.close_out,
}


async def act(
    harness: ServiceHarness,
    project_id: uuid.UUID,
    action: str,
    body: Any = None,
    actor: Principal | None = None,
) -> ProjectPublic:
    """Run one step command in its own unit of work, as a route would."""
    programme_body = body
    now = harness.clock.now()
    who = actor or harness.actor  # type: ignore[attr-defined]
    if programme_body is None:
        programme_body = bodies(harness.programme)[action]  # type: ignore[attr-defined]
    if action in ("project-approval", "design-review", "cost-review"):
        return await harness.run(
            lambda s: tendering.pass_review(s, who, project_id, action, programme_body, now)
        )
    command = COMMANDS[action]
    return await harness.run(lambda s: command(s, who, project_id, programme_body, now))


def community_create(programme: str, **overrides: Any) -> CommunityCreate:
    fields: dict[str, Any] = {
        "name": "文化路3号院",
        "district_code": DISTRICTS[programme],
        "street_office": "文化路街道",
        "programme_code": programme,
        "built_year": 1995,
        "buildings": 6,
        "households": 320,
        "floor_area_m2": "25000.50",
        **overrides,
    }
    return CommunityCreate.model_validate(fields)


async def open_project(harness: ServiceHarness, programme: str = "zhengzhou-2019") -> ProjectPublic:
    """Register a community and open a project on it; the harness remembers programme and actor."""
    actor = district(DISTRICTS[programme])
    harness.programme = programme  # type: ignore[attr-defined]
    harness.actor = actor  # type: ignore[attr-defined]
    now = harness.clock.now()
    community = await harness.run(
        lambda s: communities.register_community(s, actor, community_create(programme), now)
    )
    create = ProjectCreate(
        name="文化路3号院综合整治", investment_fen=INVESTMENT_FEN, community_id=community.id
    )
    return await harness.run(lambda s: projects.register_project(s, actor, create, now))


async def walk(harness: ServiceHarness, project_id: uuid.UUID, until: str) -> ProjectPublic:
    """Take the allowed actions in order (the first allowed each time) until `until` is done."""
    skip = {"acceptance-failure", "progress-report", "final-accounts-audit"}
    last = None
    for _ in range(30):
        project = await projects_get(harness, project_id)
        candidates = [a for a in project.allowed_actions if (a not in skip or a == until) and a != last]
        action = last = candidates[0]
        project = await act(harness, project_id, action)
        if action == until:
            return project
    raise AssertionError(f"never reached {until}")


async def projects_get(harness: ServiceHarness, project_id: uuid.UUID) -> ProjectPublic:
    return await harness.read(projects.get_project, office(), project_id)


async def project_outbox(harness: ServiceHarness) -> list[Any]:
    """The staged project events, oldest first (without the ledger's community events)."""
    return [e for e in await harness.outbox() if not e.type.startswith("registry.community.")]


async def project_outbox_types(harness: ServiceHarness) -> list[str]:
    """The types of the staged project events, oldest first."""
    return [e.type for e in await project_outbox(harness)]
