"""The ledger import announces each community it enters (`CommunityRegistered`, through the
outbox, in the same transaction as its rows) and keeps Kaifeng's central-fund list (三: 117
communities, `funding.central_subsidy.funded_communities`) from overfilling, across districts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from services.registry.models.communities import Community
from tests.handlers.registry.test_ledger_import import (  # noqa: F401 - `api` is the fixture
    api,
    finished,
    row,
    upload,
    xlsx,
)
from tests.support import tokens

REGISTERED = "registry.community.registered.v1"
LONGTING = tokens.district("kf-longting")


def longting(name: str, **cells: Any) -> dict[str, Any]:
    return row(name, 区="龙亭区", 地址=f"龙亭区{name}路1号", **cells)


async def registered(harness: Any) -> list[dict[str, Any]]:
    return [e.data for e in await harness.outbox() if e.type == REGISTERED]


async def test_each_new_community_is_announced_once_and_a_reimport_announces_nothing(api) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    harness, client = api
    harness.clock.advance(timedelta(hours=14))  # 16:00 UTC on the 20th is the 21st in Asia/Shanghai
    file = xlsx([row("甲院", 中央补助名单="是", 项目库批次="实施一批"), row("乙院", 建成年份=2005)])

    job = await finished(client, await upload(client, file))
    again = await finished(client, await upload(client, file))

    assert (job["rows_imported"], again["rows_imported"], again["rows_unchanged"]) == (2, 0, 2)
    events = await registered(harness)
    ledger = {str(c.id): c for c in await harness.all(Community)}
    assert sorted(e["community_id"] for e in events) == sorted(ledger)
    by_name = {e["name"]: e for e in events}
    first, second = by_name["甲院"], by_name["乙院"]
    assert first["registered_on"] == second["registered_on"] == date(2026, 11, 21).isoformat()
    assert (first["eligible"], first["centrally_funded"], first["tier"]) == (True, True, "implement")
    assert (second["eligible"], second["centrally_funded"], second["tier"]) == (False, False, None)
    assert (first["district_code"], first["street_office"], first["households"]) == (
        "kf-gulou",
        "相国寺街道",
        320,
    )
    assert first["floor_area_m2"] == "25000.50" or float(first["floor_area_m2"]) == 25000.5


async def test_a_refused_file_announces_nothing_and_valid_rows_announce_only_what_was_entered(api) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    harness, client = api
    bad = xlsx([row("甲院"), row("乙院", 户数=0)])

    refused = await finished(client, await upload(client, bad))
    assert refused["status"] == "failed" and await registered(harness) == []

    partial = await finished(client, await upload(client, bad, mode="valid_rows"))
    assert partial["rows_imported"] == 1
    assert [e["name"] for e in await registered(harness)] == ["甲院"]


async def fill_central_list(client: Any, listed: int) -> None:
    flagged = [row(f"补助{i:03d}院", 中央补助名单="是") for i in range(listed)]
    job = await finished(client, await upload(client, xlsx(flagged)))
    assert job["rows_imported"] == listed, job["report"][:3]


async def test_an_import_past_the_central_fund_list_is_refused_whole_by_default(api) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    harness, client = api
    await fill_central_list(client, 116)
    over = xlsx([longting("一院", 中央补助名单="是"), longting("二院"), longting("三院", 中央补助名单="是")])

    job = await finished(client, await upload(client, over, headers=LONGTING), **LONGTING)

    assert job["status"] == "failed" and job["failure"]["rule"] == "invalid_rows"
    assert [(p["row"], p["column"], p["rule"]) for p in job["report"]] == [
        (4, "中央补助名单", "central_fund_list_full")
    ]
    assert "117" in job["report"][0]["message"]
    assert len(await harness.all(Community)) == 116
    assert len(await registered(harness)) == 116


async def test_valid_rows_mode_enters_the_flagged_rows_that_fit_and_reports_the_rest(api) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    harness, client = api
    await fill_central_list(client, 116)
    over = xlsx([longting("一院", 中央补助名单="是"), longting("二院"), longting("三院", 中央补助名单="是")])

    job = await finished(client, await upload(client, over, headers=LONGTING, mode="valid_rows"), **LONGTING)

    assert (job["status"], job["rows_imported"], job["rows_invalid"]) == ("done", 2, 1)
    assert [(p["row"], p["rule"]) for p in job["report"]] == [(4, "central_fund_list_full")]
    listed = [c for c in await harness.all(Community) if c.centrally_funded]
    assert len(listed) == 117 and "三院" not in {c.name for c in listed}


async def test_rows_already_listed_do_not_count_twice_on_reimport(api) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    harness, client = api
    flagged = [row(f"补助{i:03d}院", 中央补助名单="是") for i in range(117)]
    first = await finished(client, await upload(client, xlsx(flagged)))
    again = await finished(client, await upload(client, xlsx(flagged)))
    assert (first["rows_imported"], again["status"], again["rows_unchanged"]) == (117, "done", 117)


async def test_a_programme_without_a_central_fund_list_flags_none(api) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    harness, client = api
    zhengzhou = row("文化路3号院", 区="金水区", 地址="金水区文化路3号", 中央补助名单="是")
    started = await upload(
        client, xlsx([zhengzhou]), headers=tokens.district("zz-jinshui"), programme_code="zhengzhou-2019"
    )
    job = await finished(client, started, **tokens.district("zz-jinshui"))
    assert job["status"] == "failed"
    assert [(p["row"], p["rule"]) for p in job["report"]] == [(2, "central_fund_list")]
    assert await harness.all(Community) == []
