"""Zhengzhou 2019: a project whose plan has a fire item is accepted only once the fire brigade has
signed (四(五) 组织相关单位验收, 六 市消防支队…消防设施、消防通道…检查); it may record defects too."""

from __future__ import annotations

import pytest

from services.registry.handlers import SUBSCRIPTIONS
from services.registry.models.acceptance import AcceptanceFailure, AcceptanceForm
from services.registry.models.planning import PlanSubmission
from shared.errors import RuleViolation
from tests.handlers.registry.walk import INVESTMENT_FEN, act, open_project, project_outbox_types, walk

HALF = INVESTMENT_FEN // 2
PLAN = PlanSubmission.model_validate(
    {
        "submitted_on": "2026-02-01",
        "items": [
            {"item_code": "roads-kerbs", "investment_fen": HALF},
            {"item_code": "fire-lanes", "investment_fen": INVESTMENT_FEN - HALF},
        ],
    }
)


def _form(*roles: str) -> AcceptanceForm:
    return AcceptanceForm.model_validate(
        {
            "accepted_on": "2026-10-15",
            "accepted_investment_fen": INVESTMENT_FEN,
            "sign_offs": [{"role": r, "signatory": f"{r}签字人", "signed_on": "2026-10-15"} for r in roles],
        }
    )


async def test_a_fire_lane_project_is_accepted_once_the_brigade_signs(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness)
    await act(harness, project.id, "residents-consultation")
    await act(harness, project.id, "plan-submission", PLAN)
    await act(harness, project.id, "plan-approval")
    await walk(harness, project.id, "construction-completion")

    before = (await project_outbox_types(harness), await harness.audit_actions())
    with pytest.raises(RuleViolation) as refused:
        await act(harness, project.id, "acceptance", _form())
    assert [(p.field, p.rule, p.message) for p in refused.value.errors] == [
        ("sign_offs", "all_parties_sign", "missing: fire (六)")
    ]
    assert (await project_outbox_types(harness), await harness.audit_actions()) == before

    failed = AcceptanceFailure.model_validate(
        {
            "inspected_on": "2026-09-10",
            "defects": [{"description": "消防通道被占用", "recorded_by": "fire", "item_code": "fire-lanes"}],
        }
    )
    assert (await act(harness, project.id, "acceptance-failure", failed)).status == "acceptance_failed"
    await act(harness, project.id, "rectification")
    accepted = await act(harness, project.id, "acceptance", _form("fire"))
    assert accepted.status == "accepted"
    assert (await project_outbox_types(harness))[-1] == "registry.project.accepted.v1"
