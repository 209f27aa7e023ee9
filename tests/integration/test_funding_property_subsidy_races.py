"""The property-service subsidy's commands under concurrency on PostgreSQL, over HTTP (五(三)):
N identical schedule requests give one schedule, one event and one journal posting; N payments
of a month's whole amount pay it once; the reconciliation ties out afterwards."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from decimal import Decimal

from shared.clock import shanghai_date, utcnow
from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import PropertyTakenOver
from shared.contracts.topics import REGISTRY_EVENTS
from tests.support import tokens
from tests.support.db import scalar
from tests.support.kafka_io import produce_raw
from tests.support.servers import eventually

# 30 fen × 2 000.10 m² = 60 003 fen a month, × 36 = 2 160 108 fen
MONTHLY, TOTAL = 60_003, 2_160_108


async def _count(platform, sql: str, **params: object) -> int:  # type: ignore[no-untyped-def]
    return int(await scalar(platform.database_url("funding"), sql, **params))


async def test_concurrent_schedules_and_payments_take_effect_once(platform) -> None:  # type: ignore[no-untyped-def]
    await platform.start("funding")
    jinshui = platform.client("funding", tokens.district("zz-jinshui"))
    taken = PropertyTakenOver(
        project_id=uuid.uuid4(),
        community_id=uuid.uuid4(),
        district_code="zz-jinshui",
        programme_code="zhengzhou-2019",
        taken_over_on=date(2026, 3, 10),
        mode="professional",
        manager="郑州某物业服务有限公司",
        floor_area_m2=Decimal("2000.10"),
    )
    event = CloudEvent.wrap(taken)
    await produce_raw(
        platform.kafka.bootstrap_servers,
        platform.topic(REGISTRY_EVENTS),
        [event.to_bytes()],
        key=str(taken.project_id).encode(),
    )
    path = f"/projects/{taken.project_id}/property-subsidy"

    async def heard() -> bool:
        return (await _count(platform, "SELECT count(*) FROM property_takeover")) == 1

    await eventually(heard)
    created = await asyncio.gather(*(jinshui.post(path, json={}) for _ in range(10)))
    assert sorted(r.status_code for r in created) == [201] + [409] * 9, [r.text for r in created]
    (schedule,) = [r.json() for r in created if r.status_code == 201]
    assert (schedule["total_fen"], schedule["schedule"][0]["scheduled_fen"]) == (TOTAL, MONTHLY)

    today = shanghai_date(utcnow()).isoformat()
    body = {"month": "2026-04-01", "amount_fen": MONTHLY, "paid_on": today}
    paid = await asyncio.gather(*(jinshui.post(f"{path}/payments", json=body) for _ in range(12)))
    assert sorted(r.status_code for r in paid) == [201] + [422] * 11, [r.text for r in paid]
    refused = next(r for r in paid if r.status_code == 422)
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
        ("amount_fen", "exceeds_month_owed")
    ]

    assert await _count(platform, "SELECT count(*) FROM property_subsidy_schedule") == 1
    assert await _count(platform, "SELECT count(*) FROM property_subsidy_payment") == 1
    for event_type in ("funding.property_subsidy.scheduled.v1", "funding.property_subsidy.paid.v1"):
        assert await platform.announced("funding", event_type) == 1
    postings = "SELECT coalesce(sum(amount_fen), 0) FROM journal_entry WHERE movement = :m"
    assert await _count(platform, postings, m="property_subsidy_scheduled") == TOTAL
    assert await _count(platform, postings, m="property_subsidy_paid") == MONTHLY

    finance = platform.client("funding", tokens.finance())
    reconciliation = (await finance.get("/reconciliation")).json()
    (line,) = reconciliation["property_subsidy"]
    assert (line["journal_paid_fen"], line["payments_fen"], line["owed_fen"]) == (
        MONTHLY,
        MONTHLY,
        TOTAL - MONTHLY,
    )
    assert line["ties_out"] is True
