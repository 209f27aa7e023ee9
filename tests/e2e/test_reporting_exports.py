"""Exports over real Kafka and PostgreSQL: the XLSX, CSV and bulletin PDF hold the API's figures.

Registry events are published as the registry would; reporting projects them, then the office and a
district download what they would pass around. `seed_city` is shared with the browser test.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
from openpyxl import load_workbook
from pypdf import PdfReader

from services.reporting.domain.exports import district_name
from services.reporting.main import create_reporting_app
from shared.clock import FixedClock
from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import ConstructionStarted, ProjectAccepted, ProjectRegistered
from shared.contracts.topics import REGISTRY_EVENTS
from tests.support import tokens
from tests.support.kafka_io import produce_raw
from tests.support.servers import eventually, serve

PROGRAMME = "zhengzhou-2019"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai, after week 2026-W47
WEEK_OF = date(2026, 11, 16)
# district: (registered, started, accepted); registered in October, works and acceptances in November
CITY = {"zz-jinshui": (6, 5, 4), "zz-erqi": (4, 2, 1), "zz-zhongyuan": (3, 1, 0)}
INVESTMENT_FEN = 800_000_00


@dataclass(frozen=True)
class SeededCity:
    bulletin_id: str
    office: httpx.AsyncClient


def _event(payload: object, day: date) -> bytes:
    envelope = CloudEvent.wrap(payload)  # type: ignore[arg-type]
    at = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
    return envelope.model_copy(update={"time": at}).to_bytes()


JINSHUI_STREETS = ("文化路街道", "杜岭街道")
"""Jinshui's projects alternate between two street offices; the other districts' name none."""


def _street(district: str, n: int) -> str | None:
    return JINSHUI_STREETS[n % 2] if district == "zz-jinshui" else None


async def seed_city(platform) -> SeededCity:  # type: ignore[no-untyped-def]
    """Start reporting on the fixed clock, publish `CITY`'s projects, wait until counted, publish W47's bulletin."""
    settings = platform.settings("reporting")
    platform.servers["reporting"] = await serve(create_reporting_app(settings, clock=FixedClock(NOW)))
    office = platform.client("reporting", tokens.office())
    records: list[bytes] = []
    for district, (registered, started, accepted) in CITY.items():
        for n in range(registered):
            ids = {
                "project_id": uuid.uuid4(),
                "community_id": uuid.uuid4(),
                "district_code": district,
                "programme_code": PROGRAMME,
            }
            name = f"{district}-{n}号院"
            records.append(
                _event(
                    ProjectRegistered(
                        **ids, name=name, investment_fen=INVESTMENT_FEN, street_office=_street(district, n)
                    ),
                    date(2026, 10, 8 + n),
                )
            )
            if n < started:
                on = date(2026, 11, 2 + n)
                records.append(_event(ConstructionStarted(**ids, started_on=on), on))
            if n < accepted:
                on = date(2026, 11, 9 + n)
                body = ProjectAccepted(
                    **ids,
                    investment_fen=INVESTMENT_FEN,
                    accepted_on=on,
                    accepted_investment_fen=INVESTMENT_FEN,
                )
                records.append(_event(body, on))
    await produce_raw(platform.kafka.bootstrap_servers, platform.topic(REGISTRY_EVENTS), records, key=b"city")

    async def counted():  # type: ignore[no-untyped-def]
        rows = (await office.get("/rollups/districts", params={"programme": PROGRAMME})).json()
        got = {
            r["district_code"]: (r["registered_projects"], r["started_projects"], r["accepted_projects"])
            for r in rows
        }
        return got == CITY

    await eventually(counted, timeout_s=60)
    published = await office.post(
        "/bulletins", json={"programme_code": PROGRAMME, "week_of": WEEK_OF.isoformat()}
    )
    assert published.status_code == 201, published.text
    return SeededCity(bulletin_id=published.json()["id"], office=office)


def _pdf_text(body: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


async def test_exports_hold_the_api_figures_and_a_district_exports_only_itself(platform) -> None:  # type: ignore[no-untyped-def]
    seeded = await seed_city(platform)
    office_client = seeded.office
    jinshui = platform.client("reporting", tokens.district("zz-jinshui"))
    api = (await office_client.get("/rollups/districts", params={"programme": PROGRAMME})).json()
    by_code = {r["district_code"]: r for r in api}

    # XLSX: Chinese headings, one row per district, figures equal to the API's (money in yuan)
    xlsx = await office_client.get("/exports/rollups.xlsx", params={"programme": PROGRAMME})
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    headings = [c.value for c in sheet[1]]
    assert headings[:4] == ["区县代码", "区县", "截至", "台账项目数"]
    rows = [dict(zip(headings, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert {r["区县代码"] for r in rows} == set(by_code)
    for r in rows:
        figures = by_code[r["区县代码"]]
        assert (r["台账项目数"], r["已开工"], r["已验收"]) == (
            figures["registered_projects"],
            figures["started_projects"],
            figures["accepted_projects"],
        )
        assert Decimal(str(r["计划投资（元）"])) * 100 == figures["registered_investment_fen"]
    assert next(r for r in rows if r["区县代码"] == "zz-jinshui")["区县"] == "金水区"

    # CSV in English on request, same figures
    english = await office_client.get(
        "/exports/rollups.csv", params={"programme": PROGRAMME}, headers={"Accept-Language": "en"}
    )
    assert english.status_code == 200 and english.headers["content-language"] == "en"
    parsed = list(csv.DictReader(io.StringIO(english.content.decode("utf-8-sig"))))
    assert {(r["District code"], int(r["Accepted"])) for r in parsed} == {
        (code, r["accepted_projects"]) for code, r in by_code.items()
    }
    assert "Jinshui District" in {r["District"] for r in parsed}
    as_of_week = await office_client.get(
        "/exports/rollups.csv", params={"period": "week", "date": "2026-11-03", "lang": "zh-CN"}
    )
    week_rows = list(csv.DictReader(io.StringIO(as_of_week.content.decode("utf-8-sig"))))
    jinshui_then = next(r for r in week_rows if r["区县代码"] == "zz-jinshui")
    # as of Sunday 11-08: all five starts (11-02..11-06) counted, no acceptance yet (from 11-09)
    assert (jinshui_then["截至"], jinshui_then["已开工"], jinshui_then["已验收"]) == ("2026-11-08", "5", "0")

    # a district exports its own district only
    own = await jinshui.get("/exports/rollups.csv", params={"lang": "zh-CN"})
    assert [r["区县代码"] for r in csv.DictReader(io.StringIO(own.content.decode("utf-8-sig")))] == [
        "zz-jinshui"
    ]

    # the bulletin as a printable PDF in Chinese naming the districts
    pdf = await office_client.get(f"/bulletins/{seeded.bulletin_id}.pdf")
    assert pdf.status_code == 200, pdf.text
    assert pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    text = _pdf_text(pdf.content)
    for name in ("金水区", "二七区", "中原区", "2026-W47"):
        assert name in text
    mine = _pdf_text((await jinshui.get(f"/bulletins/{seeded.bulletin_id}.pdf")).content)
    assert "金水区" in mine and "二七区" not in mine

    # the monthly evaluation as a printable PDF (October: the ledger was filled that month)
    evaluated = await office_client.post(
        "/evaluations", json={"programme_code": PROGRAMME, "month": "2026-10"}
    )
    assert evaluated.status_code == 201, evaluated.text
    pdf = await office_client.get("/evaluations/2026-10.pdf", params={"programme": PROGRAMME})
    assert pdf.status_code == 200, pdf.text
    text = _pdf_text(pdf.content)
    assert pdf.content.startswith(b"%PDF") and "月度考评" in text and "2026-10" in text
    for d in evaluated.json()["districts"]:
        assert district_name(d["district_code"], "zh-CN") in text
    mine = _pdf_text((await jinshui.get("/evaluations/2026-10.pdf", params={"programme": PROGRAMME})).content)
    assert "金水区" in mine and "二七区" not in mine
    not_published = await office_client.get("/evaluations/2026-09.pdf", params={"programme": PROGRAMME})
    assert not_published.status_code == 404
    malformed = await office_client.get("/evaluations/2026-13.pdf", params={"programme": PROGRAMME})
    assert malformed.status_code == 422

    # bad input: a 4xx problem naming the field, never a 500
    bad = await office_client.get("/exports/rollups.xlsx", params={"lang": "fr"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in bad.json()["errors"]] == ["lang"]
    missing = await office_client.get(f"/bulletins/{uuid.uuid4()}.pdf")
    assert missing.status_code == 404
    assert (await platform.client("reporting").get("/exports/rollups.csv")).status_code == 401
    assert (
        await office_client.get(
            "/exports/rollups.csv", params={"date": (NOW + timedelta(days=3)).date().isoformat()}
        )
    ).status_code == 422
