"""Ledger spreadsheet routes: the template, an import job started by upload, its status."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response, status
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from services.registry.api.deps import Reader, Writer
from services.registry.domain.ledger_columns import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    LedgerColumn,
    template_csv,
    template_xlsx,
)
from services.registry.domain.ledger_import import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    FileProblem,
    RawSheet,
    map_headings,
    read_sheet,
    sniff,
)
from services.registry.domain.programmes import programme
from services.registry.handlers import ledger_import as handlers
from services.registry.models.bounds import MAX_LIMIT, MAX_OFFSET, Code
from services.registry.models.ledger_import import ImportMode, LedgerImportPublic
from shared.access import Principal
from shared.errors import FieldProblem, RuleViolation
from shared.i18n import negotiate
from shared.web.deps import NowDep, SessionDep

router = APIRouter(tags=["ledger"])
MAX_RUNNING_IMPORTS = 2
"""Import jobs validated and written at once per process; others wait, queued."""
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}


class TemplateFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


@router.get(
    "/ledger/template",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: _BINARY, CSV_MEDIA_TYPE: _BINARY}}},
)
async def ledger_template(
    actor: Reader, format: TemplateFormat = TemplateFormat.XLSX, programme_code: Code | None = None
) -> Response:
    """The ledger template (Chinese headings; the XLSX has a sheet explaining each column)."""
    if format is TemplateFormat.CSV:
        body, media_type = template_csv(), f"{CSV_MEDIA_TYPE}; charset=utf-8"
    else:
        profile = programme(programme_code) if programme_code else None
        body, media_type = await asyncio.to_thread(template_xlsx, profile), XLSX_MEDIA_TYPE
    filename = f"ledger-template.{format.value}"
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.post(
    "/ledger/imports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=LedgerImportPublic,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": (
                f"The ledger as XLSX or CSV (UTF-8, with or without BOM), at most {MAX_IMPORT_BYTES} "
                f"bytes and {MAX_IMPORT_ROWS} rows: the raw file with its Content-Type, or "
                "multipart/form-data with the file in the part `file`."
            ),
            "content": {
                XLSX_MEDIA_TYPE: _BINARY,
                CSV_MEDIA_TYPE: _BINARY,
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        }
    },
    responses={415: {"description": "The upload is not XLSX or CSV.", "content": _PROBLEM}},
)
async def start_import(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    programme_code: Code,
    district_code: Code | None = None,
    mode: ImportMode = ImportMode.ALL_OR_NOTHING,
) -> object:
    """Upload a ledger spreadsheet: checked at once, its rows imported by a job (202, its status)."""
    handlers.check_importer(actor, programme_code, district_code)
    content, media_type, filename = await _upload(request)
    sheet, columns, file_format = await asyncio.to_thread(_read, content, media_type)
    job = await handlers.create_import(
        session,
        actor,
        programme_code=programme_code,
        district_code=district_code,
        mode=mode,
        file_format=file_format,
        filename=filename,
        sha256=hashlib.sha256(content).hexdigest(),
        now=now,
    )
    background.add_task(_start_job, request, job.id, sheet, columns, actor)  # runs once committed
    return handlers.present(job, language=negotiate(request.headers.get("accept-language")), now=now)


@router.get("/ledger/imports", response_model=list[LedgerImportPublic])
async def list_imports(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> object:
    """The import jobs the caller may see, newest first; the total is in X-Total-Count."""
    language = negotiate(request.headers.get("accept-language"))
    page, total = await handlers.list_imports(
        session, actor, limit=limit, offset=offset, language=language, now=now
    )
    response.headers["X-Total-Count"] = str(total)
    return page


@router.get("/ledger/imports/{import_id}", response_model=LedgerImportPublic)
async def read_import(
    import_id: uuid.UUID, request: Request, session: SessionDep, actor: Reader, now: NowDep
) -> object:
    """An import job: its status, counts and the report of problems by row and column."""
    language = negotiate(request.headers.get("accept-language"))
    return await handlers.get_import(session, actor, import_id, language=language, now=now)


async def _upload(request: Request) -> tuple[bytes, str | None, str | None]:
    """(the file, its media type, its name) from a raw body or a multipart form's `file` part."""
    media_type = request.headers.get("content-type")
    if not (media_type or "").lower().startswith("multipart/form-data"):
        return await request.body(), media_type, None
    form = await request.form(max_files=1, max_fields=5, max_part_size=MAX_IMPORT_BYTES)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise RuleViolation(
            "no file", [FieldProblem("file", "missing", "send the spreadsheet in the form part `file`")]
        )
    name = (upload.filename or "")[-200:] or None
    return await upload.read(), upload.content_type, name


def _read(content: bytes, media_type: str | None) -> tuple[RawSheet, list[LedgerColumn | None], str]:
    try:
        file_format = sniff(content, media_type)
        sheet = read_sheet(content, file_format)
        return sheet, map_headings(sheet), file_format.value
    except FileProblem as problem:
        if problem.status == status.HTTP_415_UNSUPPORTED_MEDIA_TYPE:
            raise HTTPException(problem.status, detail=str(problem)) from None
        raise RuleViolation(str(problem), [FieldProblem("file", problem.rule, str(problem))]) from None


def _slots(request: Request) -> asyncio.Semaphore:
    state = request.app.state
    if getattr(state, "ledger_import_slots", None) is None:
        state.ledger_import_slots = asyncio.Semaphore(MAX_RUNNING_IMPORTS)
    return state.ledger_import_slots  # type: ignore[no-any-return]


async def _start_job(
    request: Request, job_id: uuid.UUID, sheet: RawSheet, columns: list[LedgerColumn | None], actor: Principal
) -> None:
    """Spawn the job as a task the runtime cancels on shut-down (the response is already sent)."""
    runtime: Any = request.app.state.runtime
    slots = _slots(request)

    async def job() -> None:
        async with slots:
            await handlers.run_import(runtime.unit_of_work, job_id, sheet, columns, actor, runtime.clock)

    task = asyncio.create_task(job(), name=f"ledger-import-{job_id}")
    runtime.tasks.append(task)
    task.add_done_callback(lambda t: runtime.tasks.remove(t) if t in runtime.tasks else None)
