"""Export routes: rollups as XLSX or CSV, a published bulletin or evaluation as a printable PDF.

Each export is built from the same handler the JSON route uses, so it holds exactly what the
caller may read there (a district exports its own district only). Headings are Chinese; `?lang=en`
or `Accept-Language: en` gives English.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from services.reporting.api.deps import OptionalProgrammeQuery, ProfilesDep, ProgrammeQuery, Reader
from services.reporting.api.rollups import DateQuery, PeriodQuery
from services.reporting.domain.evaluations import MONTH_PATTERN
from services.reporting.domain.exports import rollup_table, to_csv, to_xlsx
from services.reporting.domain.exports_pdf import bulletin_pdf, evaluation_pdf
from services.reporting.domain.programmes import programme as programme_profile
from services.reporting.domain.rollups import requested_span
from services.reporting.handlers import bulletins, evaluations, rollups
from shared.i18n import ENGLISH, SIMPLIFIED_CHINESE, negotiate
from shared.web.deps import NowDep, SessionDep

router = APIRouter(tags=["exports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
PDF = "application/pdf"


class Language(StrEnum):
    ZH = "zh-CN"
    EN = "en"


LangQuery = Annotated[
    Language | None, Query(description="Headings' language (default: Accept-Language, else zh-CN).")
]


def _language(lang: Language | None, request: Request) -> str:
    if lang is not None:
        return ENGLISH if lang is Language.EN else SIMPLIFIED_CHINESE
    return negotiate(request.headers.get("accept-language"))


def _binary(media_type: str) -> dict[int | str, dict[str, object]]:
    return {200: {"content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}}


def _attachment(body: bytes, media_type: str, filename: str, language: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Language": language,
            "Vary": "Accept-Language",
        },
    )


async def _rollup_rows(session, actor, now, period, on, programme):  # type: ignore[no-untyped-def]
    span = requested_span(period, on, now)
    found = await rollups.district_rollups(session, actor, span, programme)
    return [r.model_dump() for r in found], (span.label if span else "now")


@router.get("/exports/rollups.xlsx", response_class=Response, responses=_binary(XLSX))  # type: ignore[arg-type]
async def rollups_workbook(
    request: Request,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    period: PeriodQuery = None,
    on: DateQuery = None,
    programme: OptionalProgrammeQuery = None,
    lang: LangQuery = None,
) -> Response:
    """The rollups per district as an XLSX workbook (Chinese headings, amounts in yuan)."""
    language = _language(lang, request)
    rows, label = await _rollup_rows(session, actor, now, period, on, programme)
    body = await run_in_threadpool(to_xlsx, [rollup_table(rows, language)])
    return _attachment(body, XLSX, f"rollups-{label}.xlsx", language)


@router.get("/exports/rollups.csv", response_class=Response, responses=_binary("text/csv"))  # type: ignore[arg-type]
async def rollups_csv(
    request: Request,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    period: PeriodQuery = None,
    on: DateQuery = None,
    programme: OptionalProgrammeQuery = None,
    lang: LangQuery = None,
) -> Response:
    """The rollups per district as UTF-8 CSV (with a BOM for Excel; amounts in yuan)."""
    language = _language(lang, request)
    rows, label = await _rollup_rows(session, actor, now, period, on, programme)
    return _attachment(to_csv(rollup_table(rows, language)), CSV, f"rollups-{label}.csv", language)


@router.get("/bulletins/{bulletin_id}.pdf", response_class=Response, responses=_binary(PDF))  # type: ignore[arg-type]
async def bulletin_document(
    bulletin_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    actor: Reader,
    profiles: ProfilesDep,
    lang: LangQuery = None,
) -> Response:
    """A published bulletin as a printable PDF in Chinese (the caller's lines only)."""
    language = _language(lang, request)
    found = await bulletins.get_bulletin(session, actor, bulletin_id)
    profile = programme_profile(profiles, found.programme_code)
    name = profile.name_en if language == ENGLISH else profile.name_zh
    shown = found.model_dump()
    # restatements name districts too: print only those of the districts the caller's lines show
    visible = {s["district_code"] for s in shown["standings"]}
    shown["restatements"] = [r for r in shown["restatements"] if r["district_code"] in visible]
    body = await run_in_threadpool(bulletin_pdf, shown, name, language)
    return _attachment(body, PDF, f"bulletin-{found.week}.pdf", language)


@router.get("/evaluations/{month}.pdf", response_class=Response, responses=_binary(PDF))  # type: ignore[arg-type]
async def evaluation_document(
    month: Annotated[str, Path(pattern=MONTH_PATTERN, description="The month, e.g. 2026-10.")],
    request: Request,
    session: SessionDep,
    actor: Reader,
    profiles: ProfilesDep,
    programme: ProgrammeQuery,
    lang: LangQuery = None,
) -> Response:
    """A published monthly evaluation as a printable PDF in Chinese (the caller's lines only)."""
    language = _language(lang, request)
    found = await evaluations.get_evaluation(session, actor, programme, month, profiles)
    profile = programme_profile(profiles, found.programme_code)
    name = profile.name_en if language == ENGLISH else profile.name_zh
    shown = found.model_dump()
    visible = {d["district_code"] for d in shown["districts"]}
    shown["restatements"] = [r for r in shown["restatements"] if r["district_code"] in visible]
    body = await run_in_threadpool(evaluation_pdf, shown, name, language)
    return _attachment(body, PDF, f"evaluation-{found.month}.pdf", language)
