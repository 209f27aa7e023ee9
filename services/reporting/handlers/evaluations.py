"""Monthly evaluations: scored once at publication, stored frozen, the previous one restated.

Publishing is one conditional INSERT (`ON CONFLICT DO NOTHING RETURNING`): two offices publishing
the same month at once give one evaluation, one `MonthlyEvaluationPublished` and a 409.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.evaluations import (
    RESTATED_FIGURES,
    DistrictInputs,
    DistrictScore,
    check_publishable,
    evaluate,
    month_span,
)
from services.reporting.domain.monthly_reports import expected_monthly_reporters, month_due
from services.reporting.domain.periods import PeriodSpan
from services.reporting.domain.programmes import Profiles, bound_districts, programme
from services.reporting.domain.restatements import changes
from services.reporting.domain.targets import target_progress
from services.reporting.domain.weekly_reports import ReportStatus, expected_reporters, report_due
from services.reporting.handlers.figures import first_recorded_day
from services.reporting.handlers.rollups import sums_by_district
from services.reporting.models.evaluations import (
    DistrictEvaluation,
    Evaluation,
    EvaluationCreate,
    EvaluationPublic,
    EvaluationRestatement,
)
from services.reporting.models.monthly_reports import MonthlyReport
from services.reporting.models.weekly_reports import WeeklyReport
from shared import audit
from shared.access import Principal, sees_district
from shared.bus.outbox import add_to_outbox
from shared.contracts.reporting import MonthlyEvaluationPublished
from shared.db.dialect_insert import insert_once
from shared.directory.models import OrganisationKind
from shared.errors import Conflict, FieldProblem, Forbidden, NotFound, RuleViolation
from shared.policy import ProgrammeProfile, get_profile, has_targets

__all__ = ["evaluation_inputs", "get_evaluation", "list_evaluations", "publish_evaluation"]

_SUMS = (
    "registered_projects",
    "accepted_projects",
    "acceptance_failures",
    "rectifications_completed",
    "approved_award_fen",
    "award_adjustment_fen",
    "paid_fen",
)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


async def _reports(
    session: AsyncSession, profile: ProgrammeProfile, month: PeriodSpan
) -> tuple[Counter[str], Counter[str]]:
    """Reports due in the month and those filed on time, per district: the weekly reports whose
    report day is inside it, and the month's own report where the plan asks for monthly reports."""
    due, on_time = Counter[str](), Counter[str]()
    first_day = await first_recorded_day(session, profile.code)
    if first_day is None:
        return due, on_time
    if profile.supervision.weekly_report is not None:
        await _weekly_reports(session, profile, month, first_day, due, on_time)
    if profile.supervision.monthly_report is not None:
        await _monthly_report(session, profile, month, first_day, due, on_time)
    return due, on_time


async def _weekly_reports(
    session: AsyncSession,
    profile: ProgrammeProfile,
    month: PeriodSpan,
    first_day: date,
    due: Counter[str],
    on_time: Counter[str],
) -> None:
    weeks = []
    day = month.start - timedelta(days=month.start.isoweekday() - 1)
    while day <= month.end:
        report = report_due(profile, day)
        if month.contains(report.due_on) and report.due_on >= first_day:
            weeks.append(report.week.start)
        day += timedelta(days=7)
    # districts (and their street offices) are scored; departments report but are not
    reporters = {r.code: r.district_code for r in expected_reporters(profile) if r.district_code}
    for district in reporters.values():
        due[district] += len(weeks)
    if weeks:
        query = select(WeeklyReport.reporter_code, WeeklyReport.district_code).where(
            WeeklyReport.programme_code == profile.code,  # type: ignore[arg-type]
            WeeklyReport.week_start.in_(weeks),  # type: ignore[attr-defined]
            WeeklyReport.status == ReportStatus.ON_TIME.value,  # type: ignore[arg-type]
        )
        for reporter, district in (await session.exec(query)).all():  # type: ignore[call-overload]
            if reporters.get(reporter) == district:
                on_time[district] += 1


async def _monthly_report(
    session: AsyncSession,
    profile: ProgrammeProfile,
    month: PeriodSpan,
    first_day: date,
    due: Counter[str],
    on_time: Counter[str],
) -> None:
    """The districts' reports of this month (Zhengzhou 2018 五(二)); departments are not scored."""
    report = month_due(profile, month.start)
    if report.due_on < first_day:
        return
    districts = {r.code: r.district_code for r in expected_monthly_reporters(profile) if r.district_code}
    for district in districts.values():
        due[district] += 1
    query = select(MonthlyReport.reporter_code, MonthlyReport.district_code).where(
        MonthlyReport.programme_code == profile.code,  # type: ignore[arg-type]
        MonthlyReport.month_start == report.month.start,  # type: ignore[arg-type]
        MonthlyReport.status == ReportStatus.ON_TIME.value,  # type: ignore[arg-type]
    )
    for reporter, district in (await session.exec(query)).all():  # type: ignore[call-overload]
        if district is not None and districts.get(reporter) == district:
            on_time[district] += 1


async def evaluation_inputs(
    session: AsyncSession, profile: ProgrammeProfile, month: PeriodSpan
) -> list[DistrictInputs]:
    """Every district's inputs for the month, as of its last day, by district code."""
    sums = await sums_by_district(session, profile.code, month.end, _SUMS)
    due, on_time = await _reports(session, profile, month)
    targeted = has_targets(profile)
    found = []
    for code in sorted({*bound_districts(profile), *sums}):
        s = sums.get(code, {})
        task, done = s.get("registered_projects", 0), s.get("accepted_projects", 0)
        expected = target_progress(profile, task, done, month.end).expected_by_now if targeted else None
        found.append(
            DistrictInputs(
                district_code=code,
                task=task,
                done=done,
                expected_by_now=expected,
                reports_due=due[code],
                reports_on_time=on_time[code],
                accepted=done,
                acceptance_failures=s.get("acceptance_failures", 0),
                rectifications_completed=s.get("rectifications_completed", 0),
                awarded_fen=s.get("approved_award_fen", 0) + s.get("award_adjustment_fen", 0),
                paid_fen=s.get("paid_fen", 0),
            )
        )
    return found


def _line(scored: DistrictScore) -> dict[str, object]:
    return {
        "rank": scored.rank,
        "district_code": scored.inputs.district_code,
        "score": str(scored.score),
        "components": {name: _text(value) for name, value in scored.components.items()},
        "inputs": scored.inputs.figures(),
    }


async def _restatements(
    session: AsyncSession, profile: ProgrammeProfile, before: date
) -> list[EvaluationRestatement]:
    """What later events changed in the inputs of the previous published evaluation."""
    query = (
        select(Evaluation)
        .where(Evaluation.programme_code == profile.code, Evaluation.month_start < before)  # type: ignore[arg-type,operator]
        .order_by(Evaluation.month_start.desc())  # type: ignore[attr-defined]
        .limit(1)
    )
    found = (await session.exec(query)).first()  # type: ignore[call-overload]
    if found is None:
        return []
    previous: Evaluation = found[0]
    published = {line["district_code"]: line["inputs"] for line in previous.content["districts"]}
    again = await evaluation_inputs(session, profile, month_span(previous.month))
    now = {line.district_code: line.figures() for line in again}
    return [
        EvaluationRestatement(
            month=previous.month,
            district_code=c.district_code,
            figure=c.figure,
            published=c.published,
            now=c.now,
            change=c.change,
        )
        for c in changes(published, now, RESTATED_FIGURES)
    ]


async def publish_evaluation(
    session: AsyncSession,
    actor: Principal,
    body: EvaluationCreate,
    now: datetime,
    profiles: Profiles = get_profile,
) -> EvaluationPublic:
    """Publish a finished month's evaluation: scores, ranks, restatements; then it is frozen.

    Raises:
        Forbidden: only the leading-group office publishes evaluations.
        RuleViolation: unknown programme, a plan with no monthly evaluation, a malformed month.
        InvalidState: the month is not over.
        Conflict: the month's evaluation is already published (published figures never change).
    """
    if actor.org_kind is not OrganisationKind.OFFICE:
        raise Forbidden("only the leading-group office publishes the monthly evaluation")
    profile = programme(profiles, body.programme_code)
    rule = profile.supervision.evaluation
    if rule is None:
        raise RuleViolation(
            f"{profile.code} sets no monthly evaluation",
            [FieldProblem("programme_code", "no_monthly_evaluation", "the plan sets no monthly evaluation")],
        )
    month = month_span(body.month)
    check_publishable(month, now)
    scores = evaluate(profile, await evaluation_inputs(session, profile, month))
    restated = await _restatements(session, profile, month.start)
    evaluation_id = uuid.uuid4()
    content = {
        "full_marks": str(rule.full_marks),
        "weights": {name: str(value) for name, value in rule.weights.model_dump().items()},
        "districts": [_line(s) for s in scores],
        "restatements": [r.model_dump(mode="json") for r in restated],
    }
    row = Evaluation(
        id=evaluation_id,
        programme_code=profile.code,
        month_start=month.start,
        month=month.label,
        as_of=month.end,
        published_at=now,
        published_by=actor.subject,
        content=content,
    )
    if not await insert_once(session, row, ("programme_code", "month_start")):
        raise Conflict(f"the evaluation of {month.label} is already published; its figures are frozen")
    audit.record(
        session, actor, "evaluation.published", "evaluation", evaluation_id, after={"month": month.label}
    )
    add_to_outbox(
        session,
        MonthlyEvaluationPublished(
            programme_code=profile.code,
            evaluation_id=evaluation_id,
            month=month.label,
            as_of=month.end,
            published_at=now,
            districts=len(scores),
            restatements=len(restated),
        ),
    )
    return _public(row, actor)


def _public(row: Evaluation, actor: Principal) -> EvaluationPublic:
    """The frozen evaluation; a district sees its own line only (restatements of its own too)."""
    content = row.content
    lines = [DistrictEvaluation(**line) for line in content["districts"]]
    restated = [EvaluationRestatement(**r) for r in content["restatements"]]
    if actor.is_district_bound:
        lines = [line for line in lines if sees_district(actor, line.district_code)]
        restated = [r for r in restated if sees_district(actor, r.district_code)]
    return EvaluationPublic(
        id=row.id,
        programme_code=row.programme_code,
        month=row.month,
        as_of=row.as_of,
        published_at=row.published_at,
        published_by=row.published_by,
        full_marks=content["full_marks"],
        weights=content["weights"],
        districts=lines,
        restatements=restated,
    )


async def get_evaluation(
    session: AsyncSession, actor: Principal, programme_code: str, month: str, profiles: Profiles = get_profile
) -> EvaluationPublic:
    """A published month's evaluation, exactly as published.

    Raises:
        RuleViolation: unknown programme, malformed month.
        NotFound: the month's evaluation is not published.
    """
    profile = programme(profiles, programme_code, field="programme")
    span = month_span(month)
    query = select(Evaluation).where(
        Evaluation.programme_code == profile.code,  # type: ignore[arg-type]
        Evaluation.month_start == span.start,  # type: ignore[arg-type]
    )
    found = (await session.exec(query)).first()  # type: ignore[call-overload]
    if found is None:
        raise NotFound(f"the evaluation of {span.label} is not published")
    return _public(found[0], actor)


async def list_evaluations(
    session: AsyncSession, actor: Principal, programme_code: str, profiles: Profiles = get_profile
) -> list[EvaluationPublic]:
    """A programme's published evaluations, newest first."""
    profile = programme(profiles, programme_code, field="programme")
    query = (
        select(Evaluation)
        .where(Evaluation.programme_code == profile.code)  # type: ignore[arg-type]
        .order_by(Evaluation.month_start.desc())  # type: ignore[attr-defined]
    )
    return [_public(row[0], actor) for row in (await session.exec(query)).all()]  # type: ignore[call-overload]
