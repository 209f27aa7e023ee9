"""Funding's reaction to ProjectAccepted, on SQLite with a fixed clock: the harness's own proof."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from services.funding.handlers import SUBSCRIPTIONS
from services.funding.models import Award
from shared.contracts.registry import ProjectAccepted


def accepted(**overrides: object) -> ProjectAccepted:
    fields: dict[str, object] = {
        "project_id": uuid4(),
        "community_id": uuid4(),
        "district_code": "zz-jinshui",
        "programme_code": "zhengzhou-2019",
        "investment_fen": 500_000_00,
        "audited_investment_fen": 480_000_00,
        "accepted_on": date(2026, 11, 20),
        **overrides,
    }
    return ProjectAccepted(**fields)  # type: ignore[arg-type]


async def test_a_redelivered_acceptance_proposes_one_award_on_sqlite(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("funding", SUBSCRIPTIONS)
    event = accepted()
    assert await harness.deliver(event, event_id="evt-1") == "handled"
    assert await harness.deliver(event, event_id="evt-1") == "duplicate"
    awards = await harness.all(Award)
    assert [a.project_id for a in awards] == [event.project_id]
    assert await harness.audit_actions() == ["award.proposed"]
    assert await harness.outbox_types() == []  # proposing announces nothing; approval does
