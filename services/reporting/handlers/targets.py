"""Progress against yearly targets: figures as of a day, measured by the plan's shares."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.programmes import Profiles, bound_districts, programme
from services.reporting.domain.targets import TargetProgress, target_progress
from services.reporting.handlers.central_list import central_list_progress
from services.reporting.handlers.figures import district_counts
from services.reporting.models.targets import DistrictProgressPublic
from shared.access import Principal, sees_district
from shared.policy import get_profile, has_targets

__all__ = ["district_progress", "share"]


def share(value: Fraction) -> str:
    """A share as a decimal string with 4 places (never a float)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


async def progress_by_district(
    session: AsyncSession, programme_code: str, as_of: date, profiles: Profiles = get_profile
) -> dict[str, tuple[int, int, TargetProgress | None]]:
    """(task, done, progress or None when the plan sets no targets) per district."""
    profile = programme(profiles, programme_code)
    counts = await district_counts(session, programme_code, as_of)
    targeted = has_targets(profile)
    found: dict[str, tuple[int, int, TargetProgress | None]] = {}
    for code in sorted({*bound_districts(profile), *counts}):
        c = counts.get(code)
        task, done = (c.registered, c.accepted) if c else (0, 0)
        found[code] = (task, done, target_progress(profile, task, done, as_of) if targeted else None)
    return found


async def district_progress(
    session: AsyncSession,
    actor: Principal,
    programme_code: str,
    as_of: date,
    profiles: Profiles = get_profile,
) -> list[DistrictProgressPublic]:
    """Each district the actor may see, against the programme's yearly targets on `as_of`, with its
    communities on the central-fund list against the list's milestones where the plan has one."""
    rows = await progress_by_district(session, programme_code, as_of, profiles)
    listed = await central_list_progress(session, actor, programme_code, as_of, profiles)
    milestones = {d.district_code: d.milestones for d in listed.districts} if listed.milestones else None
    out = []
    for code, (task, done, p) in rows.items():
        if not sees_district(actor, code):
            continue
        out.append(
            DistrictProgressPublic(
                programme_code=programme_code,
                district_code=code,
                as_of=as_of,
                task=task,
                done=done,
                done_share=share(Fraction(done, task) if task else Fraction(0)),
                share_due_by_year_end=share(p.share_due_by_year_end) if p else None,
                target_by_year_end=p.target_by_year_end if p else None,
                expected_by_now=p.expected_by_now if p else None,
                on_track=p.on_track if p else None,
                behind_by=p.behind_by if p else None,
                remaining_this_year=p.remaining_this_year if p else None,
                weeks_left=p.weeks_left if p else None,
                needed_per_week=p.needed_per_week if p else None,
                central_list=None if milestones is None else milestones.get(code, []),
            )
        )
    return out
