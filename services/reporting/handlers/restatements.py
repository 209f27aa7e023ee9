"""Restatements of the latest publications: each published figure recomputed now for its day.

Nothing published is ever edited; this read shows the office, before its next bulletin or
evaluation, what late events have changed in the ones already out (the next one carries them).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.bulletins import RESTATED_FIGURES as BULLETIN_FIGURES
from services.reporting.domain.evaluations import RESTATED_FIGURES as EVALUATION_FIGURES
from services.reporting.domain.evaluations import month_span
from services.reporting.domain.programmes import Profiles, programme
from services.reporting.domain.restatements import changes
from services.reporting.handlers.evaluations import evaluation_inputs
from services.reporting.handlers.rollups import sums_by_district
from services.reporting.models.bulletins import Bulletin
from services.reporting.models.evaluations import Evaluation
from services.reporting.models.restatements import Publication, RestatementPublic
from shared.access import Principal, sees_district
from shared.policy import get_profile

__all__ = ["restatements"]


async def restatements(
    session: AsyncSession, actor: Principal, programme_code: str, limit: int, profiles: Profiles = get_profile
) -> list[RestatementPublic]:
    """What changed since publication in the `limit` latest bulletins and evaluations, newest first."""
    profile = programme(profiles, programme_code, field="programme")
    found: list[RestatementPublic] = []
    bulletins = (
        select(Bulletin)
        .where(Bulletin.programme_code == profile.code)  # type: ignore[arg-type]
        .order_by(Bulletin.week_start.desc())  # type: ignore[attr-defined]
        .limit(limit)
    )
    for (bulletin,) in (await session.exec(bulletins)).all():  # type: ignore[call-overload]
        published = {s["district_code"]: s for s in bulletin.content["standings"]}
        sums = await sums_by_district(
            session, profile.code, bulletin.as_of, ("registered_projects", "accepted_projects")
        )
        now = {d: {"task": s["registered_projects"], "done": s["accepted_projects"]} for d, s in sums.items()}
        found += [
            RestatementPublic(
                publication=Publication.BULLETIN,
                publication_id=bulletin.id,
                period=bulletin.week,
                as_of=bulletin.as_of,
                district_code=c.district_code,
                figure=c.figure,
                published=c.published,
                now=c.now,
                change=c.change,
            )
            for c in changes(published, now, BULLETIN_FIGURES)
        ]
    evaluations = (
        select(Evaluation)
        .where(Evaluation.programme_code == profile.code)  # type: ignore[arg-type]
        .order_by(Evaluation.month_start.desc())  # type: ignore[attr-defined]
        .limit(limit)
    )
    for (evaluation,) in (await session.exec(evaluations)).all():  # type: ignore[call-overload]
        published = {line["district_code"]: line["inputs"] for line in evaluation.content["districts"]}
        again = await evaluation_inputs(session, profile, month_span(evaluation.month))
        now = {line.district_code: line.figures() for line in again}
        found += [
            RestatementPublic(
                publication=Publication.EVALUATION,
                publication_id=evaluation.id,
                period=evaluation.month,
                as_of=evaluation.as_of,
                district_code=c.district_code,
                figure=c.figure,
                published=c.published,
                now=c.now,
                change=c.change,
            )
            for c in changes(published, now, EVALUATION_FIGURES)
        ]
    visible = [r for r in found if sees_district(actor, r.district_code)]
    return sorted(visible, key=lambda r: (r.as_of, r.publication.value), reverse=True)
