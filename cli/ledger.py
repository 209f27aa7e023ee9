"""`renovation ledger import FILE` and `renovation ledger template OUT`: a district's ledger
spreadsheet (台账) into a running registry, and the template to fill in.

The import uploads the file to POST /ledger/imports, follows the job (GET /ledger/imports/{id})
with a progress bar, and prints the report of refused rows (row, column, problem) at the end;
the exit code is 1 when any row was refused or the file was, so scripts can tell. The token is
issued locally for `--org` the way `renovation token issue` does (kind and district from the
directory; the district itself by default), or given with `--token` / RENOVATION_TOKEN.
"""

from __future__ import annotations

import asyncio
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.services import Service, default_port

__all__ = ["app", "import_ledger", "template"]

app = typer.Typer(help="Import a ledger spreadsheet (台账), or download its template.", no_args_is_help=True)
TRANSPORT: httpx.AsyncBaseTransport | None = None
"""Tests put the registry app here (`httpx.ASGITransport`); None sends real requests."""
POLL_S = 0.5
"""Seconds between two looks at a running import job."""

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MEDIA_TYPES = {".xlsx": _XLSX, ".csv": "text/csv"}
_err = Console(stderr=True)


class Mode(StrEnum):
    """What happens to the valid rows when some rows are invalid (the API's `mode`)."""

    all_or_nothing = "all_or_nothing"
    valid_rows = "valid_rows"


def _default_url() -> str:
    return f"http://127.0.0.1:{default_port(Service.registry)}"


UrlOption = Annotated[str | None, typer.Option("--url", help="the registry's base URL (default: local)")]
TokenOption = Annotated[
    str | None,
    typer.Option("--token", envvar="RENOVATION_TOKEN", help="a bearer token (default: issued for --org)"),
]
LangOption = Annotated[str, typer.Option("--lang", help="language of the messages: zh-CN or en")]


def _token(org: str) -> str:
    """A local token for `org`, as `renovation token issue --org ORG` prints it."""
    from cli.tokens import find_organisation
    from shared.access import OrganisationKind
    from shared.settings import ServiceSettings
    from shared.web.auth import issue_token

    organisation = find_organisation(org)
    try:
        settings = ServiceSettings(service_name="cli")
    except ValueError as exc:
        _err.print(f"[red]Cannot sign a token: {exc}[/red]")
        raise typer.Exit(1) from None
    kind = OrganisationKind(organisation.kind.value)
    district = {
        OrganisationKind.DISTRICT: organisation.code,
        OrganisationKind.STREET_OFFICE: organisation.parent_code,
    }.get(kind)
    return issue_token(settings.jwt_key, org_code=organisation.code, org_kind=kind, district_code=district)


def _client(url: str | None, token: str, lang: str) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": lang}
    return httpx.AsyncClient(
        base_url=url or _default_url(), headers=headers, transport=TRANSPORT, timeout=120
    )


def _refused(response: httpx.Response) -> typer.Exit:
    """Print a problem answer (RFC 9457) and the exit to raise."""
    try:
        problem = response.json()
    except ValueError:
        problem = {"title": response.reason_phrase, "detail": response.text[:500]}
    _err.print(f"[red]{response.status_code} {problem.get('title', '')}[/red] {problem.get('detail', '')}")
    for error in problem.get("errors") or []:
        _err.print(f"  {error.get('field')}: {error.get('message')} ({error.get('rule')})")
    return typer.Exit(1)


@app.command("import")
def import_ledger(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the ledger, .xlsx or .csv")],
    programme: Annotated[str, typer.Option("--programme", help="programme code, e.g. kaifeng-2019")],
    district: Annotated[str, typer.Option("--district", help="the district whose ledger it is")],
    mode: Annotated[Mode, typer.Option("--mode", help="refuse all on a bad row, or keep the valid")] = (
        Mode.all_or_nothing
    ),
    org: Annotated[str | None, typer.Option("--org", help="import as (default: the district)")] = None,
    url: UrlOption = None,
    token: TokenOption = None,
    lang: LangOption = "zh-CN",
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="give up waiting after seconds")] = 1800,
) -> None:
    """Import a ledger spreadsheet into the registry and print the rows it refused."""
    media_type = _MEDIA_TYPES.get(file.suffix.lower())
    if media_type is None:
        raise typer.BadParameter("a ledger is an .xlsx or .csv file", param_hint="FILE")
    bearer = token or _token(org or district)
    content = file.read_bytes()
    upload = (file.name, content, media_type)
    job = asyncio.run(_import(upload, programme, district, mode, url, bearer, lang, timeout))
    _report(job)
    if job["status"] != "done" or job["rows_invalid"]:
        raise typer.Exit(1)


async def _import(
    upload: tuple[str, bytes, str],
    programme: str,
    district: str,
    mode: Mode,
    url: str | None,
    token: str,
    lang: str,
    timeout_s: float,
) -> dict[str, Any]:
    params = {"programme_code": programme, "district_code": district, "mode": mode.value}
    async with _client(url, token, lang) as client:
        try:
            response = await client.post("/ledger/imports", params=params, files={"file": upload})
        except httpx.TransportError as exc:
            _err.print(f"[red]The registry at {client.base_url} is unreachable: {exc}[/red]")
            raise typer.Exit(1) from None
        if response.status_code != 202:
            raise _refused(response)
        return await _follow(client, response.json(), timeout_s)


async def _follow(client: httpx.AsyncClient, job: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """Poll the job until it is done or failed, showing its progress (rows settled of rows read)."""
    deadline = time.monotonic() + timeout_s
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=_err, transient=False) as progress:
        task = progress.add_task(job["status"], total=job["rows_read"] or None)
        while True:
            settled = job["rows_imported"] + job["rows_unchanged"] + job["rows_invalid"]
            progress.update(
                task, description=job["status"], total=job["rows_read"] or None, completed=settled
            )
            if job["status"] in ("done", "failed"):
                if job["status"] == "done":
                    progress.update(task, completed=job["rows_read"])
                return job
            if time.monotonic() > deadline:
                where = f"GET /ledger/imports/{job['id']}"
                _err.print(f"[red]Still {job['status']} after {timeout_s:.0f}s: {where}[/red]")
                raise typer.Exit(1)
            await asyncio.sleep(POLL_S)
            response = await client.get(f"/ledger/imports/{job['id']}")
            if response.status_code != 200:
                raise _refused(response)
            job = response.json()


def _report(job: dict[str, Any]) -> None:
    """The job's outcome and its report of problems, row by row."""
    console = Console()
    console.print(
        f"import {job['id']}: [bold]{job['status']}[/bold]; rows read {job['rows_read']}, "
        f"imported {job['rows_imported']}, unchanged {job['rows_unchanged']}, invalid {job['rows_invalid']}"
    )
    if job.get("failure"):
        console.print(f"[red]{job['failure']['message']}[/red] ({job['failure']['rule']})")
    if not job["report"]:
        return
    table = Table(title=f"Problems ({job['problems_total']}, the first {len(job['report'])} shown)")
    for column in ("row", "column", "problem", "rule"):
        table.add_column(column, overflow="fold")
    for entry in job["report"]:
        table.add_row(str(entry["row"]), entry["column"] or "", entry["message"], entry["rule"])
    console.print(table)


@app.command("template")
def template(
    out: Annotated[Path, typer.Argument(dir_okay=False, help="where to save it (.xlsx, or .csv)")],
    programme: Annotated[
        str | None, typer.Option("--programme", help="list this programme's districts, tiers, exclusions")
    ] = None,
    org: Annotated[str | None, typer.Option("--org", help="ask as (default: an office)")] = None,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Download the ledger template (Chinese headings; the XLSX explains each column)."""
    file_format = "csv" if out.suffix.lower() == ".csv" else "xlsx"
    bearer = token or _token(org or _an_office(programme))
    params = {"format": file_format, **({"programme_code": programme} if programme else {})}
    body = asyncio.run(_get_template(url, bearer, params))
    out.write_bytes(body)
    Console(stderr=True).print(f"saved {out} ({len(body)} bytes)")


async def _get_template(url: str | None, token: str, params: dict[str, str]) -> bytes:
    async with _client(url, token, "zh-CN") as client:
        try:
            response = await client.get("/ledger/template", params=params)
        except httpx.TransportError as exc:
            _err.print(f"[red]The registry at {client.base_url} is unreachable: {exc}[/red]")
            raise typer.Exit(1) from None
        if response.status_code != 200:
            raise _refused(response)
        return response.content


def _an_office(programme: str | None) -> str:
    """The programme's office (any office without a programme): any reader may fetch a template."""
    from cli.tokens import directory_organisations
    from shared.directory import OrganisationKind
    from shared.policy import bundled_profiles

    profiles = bundled_profiles()
    if programme is not None and programme not in profiles:
        known = ", ".join(profiles)
        raise typer.BadParameter(f"no programme {programme!r}: {known}", param_hint="--programme")
    office = profiles[programme].office if programme else None
    if office is not None:
        return office.code
    return next(o.code for o in directory_organisations() if o.kind is OrganisationKind.OFFICE)
