"""The ledger spreadsheet import over HTTP on PostgreSQL: the template round-trips through a
multipart upload, bad rows import nothing, valid_rows imports the good ones, two uploads of one
file at once enter each community once, and the route takes a file above the default body limit."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import httpx
from openpyxl import load_workbook

from services.registry.domain.ledger_columns import COLUMNS
from tests.support.kafka_io import records_so_far

PROGRAMME = "zhengzhou-2019"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADINGS = [c.heading for c in COLUMNS]


def cells(name: str, **overrides: Any) -> list[Any]:
    values = {
        "名称": name,
        "地址": f"金水区{name}路8号",
        "区": "金水区",
        "街道办事处": "文化路街道",
        "建成年份": 1995,
        "楼栋数": 6,
        "户数": 320,
        "建筑面积（平方米）": 25000.5,
        **overrides,
    }
    return [values.get(h) for h in HEADINGS]


async def filled_template(registry: httpx.AsyncClient, rows: list[list[Any]]) -> bytes:
    template = await registry.get("/ledger/template", params={"format": "xlsx", "programme_code": PROGRAMME})
    assert template.status_code == 200
    workbook = load_workbook(io.BytesIO(template.content))
    for r in rows:
        workbook["台账"].append(r)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def run(registry: httpx.AsyncClient, content: bytes, **params: str) -> dict[str, Any]:
    started = await registry.post(
        "/ledger/imports",
        params={"programme_code": PROGRAMME, **params},
        files={"file": ("台账.xlsx", content, XLSX)},
    )
    assert started.status_code == 202, started.text
    for _ in range(600):
        job = (await registry.get(f"/ledger/imports/{started.json()['id']}")).json()
        if job["status"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        await asyncio.sleep(0.05)
    raise AssertionError(f"the import did not finish: {job}")


async def names(registry: httpx.AsyncClient) -> tuple[list[str], int]:
    response = await registry.get("/communities", params={"programme_code": PROGRAMME, "limit": 500})
    return sorted(c["name"] for c in response.json()), int(response.headers["x-total-count"])


async def test_the_template_round_trips_and_bad_rows_import_nothing(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    bad = await filled_template(registry, [cells("甲院"), cells("乙院", 户数="三百")])
    refused = await run(registry, bad)
    assert refused["status"] == "failed" and refused["rows_imported"] == 0
    assert [(p["row"], p["column"], p["rule"]) for p in refused["report"]] == [(3, "户数", "int_parsing")]
    assert await names(registry) == ([], 0)

    partial = await run(registry, bad, mode="valid_rows")
    assert (partial["status"], partial["rows_imported"], partial["rows_invalid"]) == ("done", 1, 1)

    good = await filled_template(registry, [cells("甲院"), cells("丙院", 建成年份=2005)])
    job = await run(registry, good)
    assert (job["status"], job["rows_imported"], job["rows_unchanged"], job["unchanged"]) == (
        "done",
        1,
        1,
        [2],
    )
    assert await names(registry) == (["丙院", "甲院"], 2)
    listed = (await registry.get("/communities", params={"eligible": "false"})).json()
    assert [c["name"] for c in listed] == ["丙院"]
    history = (await registry.get(f"/communities/{listed[0]['id']}/history")).json()
    assert [a["eligible"] for a in history["assessments"]] == [False] and history["projects"] == []


async def test_two_uploads_of_one_file_at_once_enter_each_community_once(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    content = await filled_template(registry, [cells(f"并发{i}号院") for i in range(40)])
    first, second = await asyncio.gather(run(registry, content), run(registry, content))
    assert sorted([first["rows_imported"], second["rows_imported"]]) == [0, 40]
    assert sorted([first["rows_unchanged"], second["rows_unchanged"]]) == [0, 40]
    assert (await names(registry))[1] == 40


async def test_a_ledger_larger_than_the_default_body_limit_is_accepted_on_the_import_route(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    lines = [",".join(HEADINGS)]
    for i in range(300):
        row = cells(f"长备注{i}号院", 备注="备" * 1500)
        lines.append(",".join("" if v is None else str(v) for v in row))
    content = ("\ufeff" + "\r\n".join(lines)).encode()
    assert len(content) > 1024 * 1024
    started = await registry.post(
        "/ledger/imports",
        params={"programme_code": PROGRAMME},
        content=content,
        headers={"Content-Type": "text/csv"},
    )
    assert started.status_code == 202, started.text
    other = await registry.post("/communities", content=content, headers={"Content-Type": "application/json"})
    assert other.status_code == 413
    not_a_sheet = await registry.post(
        "/ledger/imports",
        params={"programme_code": PROGRAMME},
        content=b"%PDF-1.7",
        headers={"Content-Type": "application/pdf"},
    )
    assert not_a_sheet.status_code == 415


async def test_each_imported_community_reaches_kafka_once_and_a_reimport_sends_nothing(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    content = await filled_template(
        registry, [cells(f"事件{i}号院") for i in range(30)] + [cells("新院", 建成年份=2005)]
    )
    assert (await run(registry, content))["rows_imported"] == 31
    assert (await run(registry, content))["rows_unchanged"] == 31
    assert await platform.announced("registry", "registry.community.registered.v1") == 31
    records = await records_so_far(platform.kafka.bootstrap_servers, platform.topic("registry.events"))
    events = [json.loads(r.value) for r in records if b"community.registered" in r.value]
    communities = (
        await registry.get("/communities", params={"programme_code": PROGRAMME, "limit": 100})
    ).json()
    assert sorted(e["data"]["community_id"] for e in events) == sorted(c["id"] for c in communities)
    assert {r.key.decode() for r in records if b"community.registered" in r.value} == {
        c["id"] for c in communities
    }
    assert sum(not e["data"]["eligible"] for e in events) == 1
