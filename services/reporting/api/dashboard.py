"""The office's dashboard: the static page at `/dashboard/` and the progress series its chart reads.

The page is plain HTML and JavaScript with ECharts vendored from npm (services/reporting/dashboard);
it calls the JSON API with the user's bearer token, so it shows exactly what the API lets that
token read. Its responses carry their own CSP: scripts, styles and data from this origin only, no
inline script or style (the API's `default-src 'none'` would stop the page from running at all).
"""

from __future__ import annotations

import mimetypes
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, RedirectResponse
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.api.deps import CODE_PATTERN, ProfilesDep, ProgrammeQuery, Reader
from services.reporting.domain.central_list import central_list_milestones
from services.reporting.domain.periods import Period, PeriodSpan, period_span, today
from services.reporting.domain.programmes import ProgrammeCode
from services.reporting.domain.programmes import programme as programme_profile
from services.reporting.domain.projections import FIGURES
from services.reporting.domain.targets import target_progress
from services.reporting.handlers.rollups import district_rollups
from services.reporting.models.rollups import DistrictFigures
from shared.access import Principal, sees_district
from shared.errors import NotFound
from shared.policy import Participation, has_targets
from shared.types import ProcessDate
from shared.web.deps import NowDep, SessionDep

router = APIRouter(tags=["dashboard"])

STATIC = Path(__file__).resolve().parent.parent / "dashboard" / "static"
DASHBOARD_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def _assets() -> dict[str, Path]:
    """Every file under the static folder, by its path relative to it (nothing else is served)."""
    if not STATIC.is_dir():
        return {}
    return {p.relative_to(STATIC).as_posix(): p for p in STATIC.rglob("*") if p.is_file()}


ASSETS = _assets()


def _file(path: Path) -> FileResponse:
    media = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(
        path,
        media_type=media,
        headers={"Content-Security-Policy": DASHBOARD_CSP, "Cache-Control": "no-cache"},
    )


@router.get("/dashboard", include_in_schema=False)
async def dashboard_redirect() -> RedirectResponse:
    """The page lives at `/dashboard/` so its relative asset links resolve."""
    return RedirectResponse("/dashboard/", status_code=308)


@router.get("/dashboard/", include_in_schema=False)
async def dashboard_page() -> FileResponse:
    """The dashboard page (no token needed to load it; every figure on it needs one)."""
    return _file(ASSETS["index.html"])


@router.get("/dashboard/{asset:path}", include_in_schema=False)
async def dashboard_asset(asset: str) -> FileResponse:
    """A static asset of the page; only files shipped in the static folder are served."""
    found = ASSETS.get(asset)
    if found is None:
        raise NotFound(f"no dashboard asset {asset!r}")
    return _file(found)


class ProgressPoint(SQLModel):
    """Where the visible districts stood at the end of one period, against the plan's trajectory."""

    period_label: str = Field(description="e.g. 2026-W47 or 2026-11.")
    as_of: date = Field(description="The period's last day, or today for the period under way.")
    task: int = Field(description="Projects in the ledger (台账) as of the series' last day.")
    started: int
    completed: int
    done: int = Field(description="Projects accepted (工程验收) by then.")
    expected_by_now: int | None = Field(
        description="Due by then on the plan's trajectory (None: no targets)."
    )
    target_by_year_end: int | None


SeriesPeriod = Annotated[Period, Query(description="day, week (ISO) or month, in Asia/Shanghai.")]


@router.get("/progress/series", response_model=list[ProgressPoint])
async def progress_series(
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    programme: ProgrammeQuery,
    period: SeriesPeriod = Period.WEEK,
    periods: Annotated[int, Query(ge=1, le=53, description="How many periods, ending with `date`'s.")] = 12,
    district: Annotated[
        str | None, Query(max_length=64, pattern=CODE_PATTERN, description="One district only.")
    ] = None,
    on: Annotated[ProcessDate | None, Query(alias="date", description="The last period's day.")] = None,
) -> list[ProgressPoint]:
    """Accepted, started and completed per period against the target trajectory, oldest first.

    Platform reading: the trajectory is drawn against the ledger as of the series' last day, so
    a year's line is one line (the plans fix the ledger first, then the yearly shares).
    """
    profile = programme_profile(profiles, programme.value, field="programme")
    last_day = min(on or today(now), today(now))
    if district is not None and not sees_district(actor, district):
        raise NotFound(f"no figures for district {district}")
    spans: list[PeriodSpan] = []
    day = last_day
    for _ in range(periods):
        span = period_span(period, day)
        spans.insert(0, span)
        day = span.start - timedelta(days=1)
    targeted = has_targets(profile)
    task = (await _figures(session, actor, profile.code, last_day, district)).registered_projects
    points = []
    for span in spans:
        as_of = min(span.end, last_day)
        then = await _figures(session, actor, profile.code, as_of, district)
        progress = target_progress(profile, task, then.accepted_projects, as_of) if targeted else None
        points.append(
            ProgressPoint(
                period_label=span.label,
                as_of=as_of,
                task=task,
                started=then.started_projects,
                completed=then.completed_projects,
                done=then.accepted_projects,
                expected_by_now=progress.expected_by_now if progress else None,
                target_by_year_end=progress.target_by_year_end if progress else None,
            )
        )
    return points


async def _figures(
    session: AsyncSession, actor: Principal, programme_code: str, as_of: date, district: str | None
) -> DistrictFigures:
    """The visible districts' (or one district's) figures summed, as of the end of `as_of`."""
    rows = await district_rollups(session, actor, period_span(Period.DAY, as_of), programme_code)
    mine = [r for r in rows if district is None or r.district_code == district]
    return DistrictFigures(**{name: sum(getattr(r, name) for r in mine) for name in FIGURES})


class DistrictName(SQLModel):
    code: str
    name_zh: str
    name_en: str
    bound: bool = Field(description="The plan binds the district (not only 参照执行, by reference).")


class ProgrammeSummary(SQLModel):
    """What the dashboard needs to label a programme: names, districts, which rules it has."""

    code: str
    name_zh: str
    name_en: str
    districts: list[DistrictName]
    yearly_targets: bool
    weekly_reports: bool
    central_list: bool = Field(
        default=False, description="The plan dates milestones for a central-fund list (Kaifeng 三)."
    )


@router.get("/programmes", response_model=list[ProgrammeSummary])
async def list_programmes(actor: Reader, profiles: ProfilesDep) -> list[ProgrammeSummary]:
    """The programmes reporting knows, with their districts' names (a district sees only itself)."""
    out = []
    for code in ProgrammeCode:
        profile = programme_profile(profiles, code.value)
        districts = [
            DistrictName(
                code=d.code,
                name_zh=d.name_zh,
                name_en=d.name_en,
                bound=d.participation is Participation.MANDATORY,
            )
            for d in profile.jurisdiction.districts
            if sees_district(actor, d.code)
        ]
        out.append(
            ProgrammeSummary(
                code=profile.code,
                name_zh=profile.name_zh,
                name_en=profile.name_en,
                districts=districts,
                yearly_targets=has_targets(profile),
                weekly_reports=profile.supervision.weekly_report is not None,
                central_list=bool(central_list_milestones(profile)),
            )
        )
    return out
