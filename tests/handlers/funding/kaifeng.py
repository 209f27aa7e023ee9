"""Kaifeng projects as the registry announces them, for the central-fund handler tests."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from shared.contracts.registry import (
    ConstructionCompleted,
    ItemProgress,
    PlanApproved,
    PlanItem,
    ProgressReported,
    ProjectRegistered,
    ReviewPassed,
    TenderAwarded,
)
from tests.handlers.funding.world import department, district
from tests.handlers.harness import ServiceHarness

KAIFENG = "kaifeng-2019"
LONGTING = "kf-longting"
HOUSING = department("housing")
LONGTING_CLERK = district(LONGTING)


def _fields(project_id: uuid.UUID, district_code: str = LONGTING, programme: str = KAIFENG) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "community_id": uuid.uuid5(project_id, "community"),
        "district_code": district_code,
        "programme_code": programme,
    }


async def register(
    harness: ServiceHarness,
    name: str,
    investment_fen: int,
    *,
    steps: tuple[str, ...] = (),
    progress: tuple[int, ...] = (),
    completed: bool = False,
    district_code: str = LONGTING,
    programme: str = KAIFENG,
) -> uuid.UUID:
    """Register a project, approve its plan, pass `steps` (tender included) and report progress."""
    project_id = uuid.uuid4()
    base = _fields(project_id, district_code, programme)
    await harness.deliver(ProjectRegistered(**base, name=name, investment_fen=investment_fen))
    await harness.deliver(
        PlanApproved(
            **base,
            version=1,
            approved_on=date(2019, 12, 1),
            items=[PlanItem(item_code="roads", investment_fen=investment_fen)],
            investment_fen=investment_fen,
        )
    )
    for index, step in enumerate(steps):
        day = date(2019, 12, 2 + index)
        if step == "tender":
            await harness.deliver(TenderAwarded(**base, awarded_on=day, contractor="开封建工"))
        else:
            await harness.deliver(ReviewPassed(**base, step=step, passed_on=day, reference=f"汴{step}"))
    if progress:
        await harness.deliver(
            ProgressReported(
                **base,
                reported_on=date(2020, 3, 1),
                items=[
                    ItemProgress(item_code=f"item-{i}", percent_complete=p) for i, p in enumerate(progress)
                ],
            )
        )
    if completed:
        await harness.deliver(ConstructionCompleted(**base, completed_on=date(2020, 5, 1)))
    return project_id
