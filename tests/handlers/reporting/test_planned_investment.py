"""Planned investment follows the approved plan: registered first, replaced by each approval."""

from __future__ import annotations

from datetime import date

from services.registry.handlers import SUBSCRIPTIONS as REGISTRY
from services.registry.models.planning import PlanApproval, PlanSubmission
from services.reporting.domain.periods import Period, period_span
from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.rollups import district_rollup
from shared.contracts.registry import PlanApproved
from tests.handlers.registry.walk import INVESTMENT_FEN, act, open_project, walk
from tests.handlers.reporting.events import office

PLAN = "registry.project.plan_approved.v1"
REPORTED = {"registry.project.registered.v1", PLAN}


def _plan(on: str, *amounts: int) -> PlanSubmission:
    items = ["fire-surveillance-security", "overhead-lines"]
    lines = [{"item_code": items[i], "investment_fen": a} for i, a in enumerate(amounts)]
    return PlanSubmission.model_validate({"submitted_on": on, "items": lines})


async def test_an_approved_plan_replaces_the_registered_investment(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    registry = await harness_for("registry", REGISTRY)
    reporting = await harness_for("reporting", SUBSCRIPTIONS)
    project = await open_project(registry)
    await walk(registry, project.id, "residents-consultation")
    await act(registry, project.id, "plan-submission", _plan("2026-02-01", 700_000_00, 500_000_00))
    await act(registry, project.id, "plan-approval", PlanApproval(approved_on=date(2026, 3, 1), version=1))
    envelopes = await registry.outbox()
    (approved,) = [e for e in envelopes if e.type == PLAN]
    assert (approved.data["was_investment_fen"], approved.data["investment_fen"]) == (
        INVESTMENT_FEN,
        1_200_000_00,
    )
    for envelope in envelopes:
        if envelope.type in REPORTED:
            assert await reporting.redeliver(envelope) == "handled"
    code = project.district_code

    async def planned(day: date) -> int:
        span = period_span(Period.DAY, day)
        found = await reporting.run(lambda s: district_rollup(s, office(), code, span, "zhengzhou-2019"))
        return found.registered_investment_fen

    # registered today (the harness clock) with the plan approved on 1 March: the total is the plan's
    assert await planned(registry.clock.now().date()) == 1_200_000_00


async def test_a_revised_approval_moves_the_total_by_the_difference_and_an_old_event_by_nothing(
    harness_for,  # type: ignore[no-untyped-def]
) -> None:
    reporting = await harness_for("reporting", SUBSCRIPTIONS)
    common = {
        "project_id": "5f0c3c1e-8a39-4d39-9d5c-3f3e1a9f0b11",
        "community_id": "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "district_code": "zz-jinshui",
        "programme_code": "zhengzhou-2019",
        "items": [],
    }
    first = PlanApproved.model_validate(
        {
            **common,
            "version": 1,
            "approved_on": "2026-03-01",
            "investment_fen": 800,
            "was_investment_fen": 1000,
        }
    )
    second = PlanApproved.model_validate(
        {
            **common,
            "version": 2,
            "approved_on": "2026-04-01",
            "investment_fen": 900,
            "was_investment_fen": 800,
        }
    )
    old = PlanApproved.model_validate(
        {**common, "version": 3, "approved_on": "2026-05-01", "investment_fen": 5}
    )
    for payload in (first, second, old):
        assert await reporting.deliver(payload) == "handled"
    span = period_span(Period.MONTH, date(2026, 5, 1))
    rollup = await reporting.run(lambda s: district_rollup(s, office(), "zz-jinshui", span, "zhengzhou-2019"))
    assert rollup.registered_investment_fen == -200 + 100  # only the changes: nothing was registered here
