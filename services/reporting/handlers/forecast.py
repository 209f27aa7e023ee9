"""Year-end forecasts per district: three sums of the daily figures, then the pure projection."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.forecast import RECENT_DAYS, ForecastMethod, forecast, forecast_as_of
from services.reporting.domain.programmes import Profiles, bound_districts, programme
from services.reporting.domain.targets import target_progress
from services.reporting.handlers.rollups import sums_by_district
from services.reporting.models.forecast import DistrictForecastPublic
from shared.access import Principal, sees_district
from shared.policy import get_profile, has_targets

__all__ = ["district_forecasts"]

_FIGURES = ("registered_projects", "accepted_projects")


async def district_forecasts(
    session: AsyncSession,
    actor: Principal,
    programme_code: str,
    year: int,
    today: date,
    method: ForecastMethod = ForecastMethod.LINEAR,
    profiles: Profiles = get_profile,
) -> list[DistrictForecastPublic]:
    """Each district the actor may see: projected year-end acceptances against the year's target."""
    profile = programme(profiles, programme_code, field="programme")
    as_of = forecast_as_of(year, today)
    now = await sums_by_district(session, profile.code, as_of, _FIGURES)
    start = await sums_by_district(session, profile.code, date(year - 1, 12, 31), _FIGURES)
    window_start = max(date(year - 1, 12, 31), as_of - timedelta(days=RECENT_DAYS))
    before_window = await sums_by_district(session, profile.code, window_start, _FIGURES)
    targeted = has_targets(profile)
    out = []
    for code in sorted({*bound_districts(profile), *now}):
        if not sees_district(actor, code):
            continue
        task = now.get(code, {}).get("registered_projects", 0)
        done = now.get(code, {}).get("accepted_projects", 0)
        done_start = start.get(code, {}).get("accepted_projects", 0)
        recent = done - before_window.get(code, {}).get("accepted_projects", 0)
        target = (
            target_progress(profile, task, done, date(year, 12, 31)).target_by_year_end if targeted else None
        )
        f = forecast(year, as_of, done_start, done, recent, target, method)
        pace = Decimal(f.pace_per_week.numerator) / Decimal(f.pace_per_week.denominator)
        out.append(
            DistrictForecastPublic(
                programme_code=profile.code,
                district_code=code,
                year=year,
                as_of=as_of,
                method=method,
                task=task,
                done=done,
                done_this_year=f.done_this_year,
                pace_per_week=str(pace.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
                projected_year_end=f.projected_year_end,
                target_by_year_end=f.target_by_year_end,
                will_miss=f.will_miss,
                shortfall=f.shortfall,
            )
        )
    return out
