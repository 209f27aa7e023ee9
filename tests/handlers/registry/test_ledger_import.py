"""The ledger spreadsheet import over HTTP on SQLite: the template round-trips, bad rows are
reported by row, column and rule, all-or-nothing and valid-rows modes, re-import changes nothing,
a district imports its own ledger only, and a file that is not a spreadsheet is a problem."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook

from services.registry.domain.ledger_columns import COLUMNS
from services.registry.handlers import SUBSCRIPTIONS
from services.registry.main import create_registry_app
from services.registry.models.communities import Community
from services.registry.settings import RegistrySettings
from tests.support import tokens

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADINGS = [c.heading for c in COLUMNS]
KAIFENG = "kaifeng-2019"
GULOU = tokens.district("kf-gulou")


def row(name: str, **cells: Any) -> dict[str, Any]:
    """A ledger row by heading: a valid Kaifeng community unless `cells` say otherwise."""
    return {
        "名称": name,
        "地址": f"鼓楼区{name}路1号",
        "区": "鼓楼区",
        "街道办事处": "相国寺街道",
        "社区居委会": "书店街社区",
        "建成年份": 1995,
        "楼栋数": 6,
        "户数": 320,
        "建筑面积（平方米）": 25000.5,
        "产权性质": "单位产权",
        "物业管理现状": "无物业管理",
        **cells,
    }


def xlsx(rows: list[dict[str, Any]], headings: list[str] = HEADINGS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "台账"
    sheet.append(headings)
    for r in rows:
        sheet.append([r.get(h) for h in headings])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[dict[str, Any]], *, bom: bool = True, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADINGS)
    for r in rows:
        writer.writerow(["" if r.get(h) is None else r.get(h) for h in HEADINGS])
    return (("\ufeff" if bom else "") + out.getvalue()).encode(encoding)


@pytest.fixture
async def api(harness_for) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    settings = RegistrySettings(environment="test", rate_limits_enabled=False)
    app = create_registry_app(settings)
    app.state.runtime = SimpleNamespace(
        settings=settings,
        engine=harness.engine,
        unit_of_work=harness.unit_of_work,
        clock=harness.clock,
        tasks=[],
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
        yield harness, client
    for task in list(app.state.runtime.tasks):
        task.cancel()


async def upload(
    client: httpx.AsyncClient,
    content: bytes,
    *,
    media_type: str = XLSX,
    headers: dict[str, str] = GULOU,
    **params: str,
) -> httpx.Response:
    return await client.post(
        "/ledger/imports",
        params={"programme_code": KAIFENG, **params},
        content=content,
        headers={**headers, "Content-Type": media_type},
    )


async def finished(client: httpx.AsyncClient, started: httpx.Response, **headers: str) -> dict[str, Any]:
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    for _ in range(600):
        job = (await client.get(f"/ledger/imports/{job_id}", headers={**GULOU, **headers})).json()
        if job["status"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        await asyncio.sleep(0.02)
    raise AssertionError(f"import {job_id} did not finish: {job}")


async def ledger(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get(
        "/communities", params={"programme_code": KAIFENG, "limit": 500}, headers=GULOU
    )
    assert int(response.headers["X-Total-Count"]) == len(response.json())
    return response.json()  # type: ignore[no-any-return]


async def test_the_xlsx_template_round_trips_into_the_ledger(api) -> None:  # type: ignore[no-untyped-def]
    harness, client = api
    template = await client.get(
        "/ledger/template", params={"format": "xlsx", "programme_code": KAIFENG}, headers=GULOU
    )
    assert template.status_code == 200 and template.headers["content-type"] == XLSX
    workbook = load_workbook(io.BytesIO(template.content))
    assert workbook.sheetnames == ["台账", "说明"]
    sheet = workbook["台账"]
    assert [c.value for c in sheet[1]] == HEADINGS
    guide = {r[0]: r for r in workbook["说明"].iter_rows(min_row=2, values_only=True)}
    assert "实施一批" in guide["项目库批次"][5] and "鼓楼区" in guide["区"][5]
    filled = [
        row("书店街小区", 项目库批次="实施一批", 示范小区="是", 中央补助名单="是"),
        row("新建小区", 建成年份=2005, 不纳入改造情形="城中村"),
    ]
    for r in filled:
        sheet.append([r.get(h) for h in HEADINGS])
    out = io.BytesIO()
    workbook.save(out)

    job = await finished(client, await upload(client, out.getvalue()))

    assert (job["status"], job["rows_read"], job["rows_valid"], job["rows_imported"]) == ("done", 2, 2, 2)
    assert job["report"] == [] and job["failure"] is None
    by_name = {c["name"]: c for c in await ledger(client)}
    first = by_name["书店街小区"]
    assert (first["district_code"], first["street_office"], first["built_year"], first["households"]) == (
        "kf-gulou",
        "相国寺街道",
        1995,
        320,
    )
    assert float(first["floor_area_m2"]) == 25000.5
    assert (first["tier"], first["demonstration"], first["centrally_funded"], first["eligible"]) == (
        "implement",
        True,
        True,
        True,
    )
    second = by_name["新建小区"]  # recorded, ineligible, with every reason and clause (六(一))
    assert second["eligible"] is False and second["exclusions"] == ["urban-village"]
    failed = {r["code"] for r in second["eligibility"] if not r["passed"]}
    assert failed == {"built-year", "urban-village"}
    history = (await client.get(f"/communities/{second['id']}/assessments", headers=GULOU)).json()
    assert [(a["built_year"], a["eligible"], a["actor_org"]) for a in history] == [(2005, False, "kf-gulou")]
    assert [a for a in await harness.audit_actions() if a.startswith("community.")] == [
        "community.registered"
    ] * 2
    posted = await client.post(  # registration by hand gives the same outcome and reasons
        "/communities",
        json={
            "name": "对照小区",
            "district_code": "kf-gulou",
            "programme_code": KAIFENG,
            "built_year": 2005,
            "buildings": 6,
            "households": 320,
            "floor_area_m2": "25000.5",
            "exclusions": ["urban-village"],
        },
        headers=GULOU,
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["eligibility"] == second["eligibility"]


async def test_the_csv_template_with_a_bom_round_trips_by_multipart_upload(api) -> None:  # type: ignore[no-untyped-def]
    _, client = api
    template = await client.get("/ledger/template", params={"format": "csv"}, headers=GULOU)
    assert template.content.startswith("\ufeff".encode())
    text = template.content.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == HEADINGS
    filled = text + "".join(
        ",".join(str(row(n).get(h, "")) for h in HEADINGS) + "\r\n" for n in ("甲小区", "乙小区")
    )
    started = await client.post(
        "/ledger/imports",
        params={"programme_code": KAIFENG},
        files={"file": ("鼓楼台账.csv", ("\ufeff" + filled.removeprefix("\ufeff")).encode(), "text/csv")},
        headers=GULOU,
    )
    job = await finished(client, started)
    assert (job["status"], job["file_format"], job["filename"], job["rows_imported"]) == (
        "done",
        "csv",
        "鼓楼台账.csv",
        2,
    )
    assert sorted(c["name"] for c in await ledger(client)) == ["乙小区", "甲小区"]


async def test_bad_rows_are_reported_by_row_column_and_rule_and_nothing_is_imported(api) -> None:  # type: ignore[no-untyped-def]
    harness, client = api
    content = xlsx([row("好小区"), row("坏小区", 建成年份="九五年", 户数=-3), row("", 示范小区="也许")])

    job = await finished(client, await upload(client, content))

    assert job["status"] == "failed" and job["failure"]["rule"] == "invalid_rows"
    assert (job["rows_read"], job["rows_valid"], job["rows_invalid"], job["rows_imported"]) == (3, 1, 2, 0)
    found = {(p["row"], p["column"], p["field"], p["rule"]) for p in job["report"]}
    assert found == {
        (3, "建成年份", "built_year", "int_parsing"),
        (3, "户数", "households", "greater_than_equal"),
        (4, "名称", "name", "missing"),
        (4, "示范小区", "demonstration", "ledger_flag"),
    }
    year = next(p for p in job["report"] if p["field"] == "built_year")
    assert year["message"].startswith("须为整数")  # Chinese by default
    job_en = (
        await client.get(f"/ledger/imports/{job['id']}", headers={**GULOU, "Accept-Language": "en"})
    ).json()
    assert "not a whole number" in next(p for p in job_en["report"] if p["field"] == "built_year")["message"]
    assert await harness.all(Community) == []


async def test_valid_rows_mode_imports_only_the_good_rows(api) -> None:  # type: ignore[no-untyped-def]
    _, client = api
    content = xlsx([row("好小区一"), row("坏小区", 楼栋数="六"), row("好小区二")])

    job = await finished(client, await upload(client, content, mode="valid_rows"))

    assert (job["status"], job["rows_valid"], job["rows_invalid"], job["rows_imported"]) == ("done", 2, 1, 2)
    assert [(p["row"], p["column"], p["rule"]) for p in job["report"]] == [(3, "楼栋数", "int_parsing")]
    assert sorted(c["name"] for c in await ledger(client)) == ["好小区一", "好小区二"]


async def test_re_importing_the_same_file_changes_nothing(api) -> None:  # type: ignore[no-untyped-def]
    harness, client = api
    content = xlsx([row("一号院", 项目库批次="谋划一批"), row("二号院")])
    first = await finished(client, await upload(client, content))
    before = await ledger(client)
    audit_before = await harness.audit_actions()

    again = await finished(client, await upload(client, content))

    assert (again["status"], again["rows_imported"], again["rows_unchanged"], again["unchanged"]) == (
        "done",
        0,
        2,
        [2, 3],
    )
    assert first["rows_imported"] == 2
    assert await ledger(client) == before
    assert [a for a in await harness.audit_actions() if a.startswith("community.")] == [
        a for a in audit_before if a.startswith("community.")
    ]
    changed = await finished(client, await upload(client, xlsx([row("一号院", 户数=999)]), mode="valid_rows"))
    assert (changed["rows_imported"], changed["rows_invalid"]) == (0, 1)
    assert [(p["row"], p["rule"]) for p in changed["report"]] == [(2, "ledger_conflict")]
    assert "households" in changed["report"][0]["message"]
    assert await ledger(client) == before


async def test_a_row_repeated_in_the_file_is_reported_not_entered_twice(api) -> None:  # type: ignore[no-untyped-def]
    _, client = api
    job = await finished(
        client, await upload(client, xlsx([row("同名院"), row("同名院")]), mode="valid_rows")
    )
    assert [(p["row"], p["rule"]) for p in job["report"]] == [(3, "ledger_duplicate_row")]
    assert job["rows_imported"] == 1 and len(await ledger(client)) == 1


async def test_a_district_cannot_import_another_districts_rows(api) -> None:  # type: ignore[no-untyped-def]
    harness, client = api
    job = await finished(client, await upload(client, xlsx([row("本区院"), row("邻区院", 区="龙亭区")])))
    assert job["status"] == "failed"
    assert [(p["row"], p["column"], p["rule"]) for p in job["report"]] == [(3, "区", "own_district")]
    assert await harness.all(Community) == []

    other = await upload(client, xlsx([row("院")]), district_code="kf-longting")
    assert other.status_code == 403
    office = await upload(client, xlsx([row("院")]), headers=tokens.office())
    assert office.status_code == 403
    longting = tokens.district("kf-longting")
    job = await finished(client, await upload(client, xlsx([row("院", 区="龙亭区")])))
    assert job["status"] == "failed"
    assert (await client.get(f"/ledger/imports/{job['id']}", headers=longting)).status_code == 404
    assert (await client.get(f"/ledger/imports/{job['id']}", headers=tokens.office())).status_code == 200


async def test_a_file_that_is_not_a_spreadsheet_is_a_problem_never_a_500(api) -> None:  # type: ignore[no-untyped-def]
    harness, client = api
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
    refused = await upload(client, pdf, media_type="application/pdf")
    assert refused.status_code == 415 and refused.headers["content-type"].startswith(
        "application/problem+json"
    )
    renamed = await upload(client, pdf, media_type=XLSX)
    assert renamed.status_code == 422
    assert [(e["field"], e["rule"]) for e in renamed.json()["errors"]] == [("file", "spreadsheet_unreadable")]
    gbk = await upload(client, csv_bytes([row("院")], bom=False, encoding="gbk"), media_type="text/csv")
    assert [(e["field"], e["rule"]) for e in gbk.json()["errors"]] == [("file", "spreadsheet_encoding")]
    no_year = xlsx([row("院")], headings=[h for h in HEADINGS if h != "建成年份"] + ["楼层"])
    wrong = await upload(client, no_year)
    assert wrong.status_code == 422
    assert "楼层" in wrong.json()["errors"][0]["message"]
    empty = await upload(client, b"", media_type="text/csv")
    assert empty.status_code == 422
    assert (await client.get("/ledger/imports", headers=GULOU)).json() == []
    assert await harness.all(Community) == []


async def test_the_job_is_answered_queued_and_listed_with_a_total(api) -> None:  # type: ignore[no-untyped-def]
    _, client = api
    started = await upload(client, xlsx([row("院")]))
    assert started.status_code == 202 and started.json()["status"] == "queued"
    await finished(client, started)
    listed = await client.get("/ledger/imports", headers=GULOU)
    assert listed.headers["X-Total-Count"] == "1" and listed.json()[0]["status"] == "done"


async def test_a_failure_while_writing_leaves_nothing_half_written(api, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    harness, client = api
    from services.registry.handlers import ledger_import

    real = ledger_import._Entries.insert

    async def insert_then_fail(self, session):  # type: ignore[no-untyped-def]
        await real(self, session)
        raise RuntimeError("disk full")

    monkeypatch.setattr(ledger_import._Entries, "insert", insert_then_fail)
    job = await finished(client, await upload(client, xlsx([row("甲院"), row("乙院")])))

    assert job["status"] == "failed" and job["failure"]["rule"] == "import_error"
    assert job["rows_imported"] == 0
    assert await harness.all(Community) == []
    assert [a for a in await harness.audit_actions() if a.startswith("community.")] == []
