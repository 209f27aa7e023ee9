"""Property-service subsidy (Zhengzhou 2019 五(三)): takeover from the registry's event, the
schedule the paying district creates, monthly payments against it, and arrears."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.funding.domain import journal as journal_rules
from services.funding.domain import property_subsidy as rules
from services.funding.domain.programmes import ProfileLookup, bundled_profile
from services.funding.handlers import journal
from services.funding.models.property_subsidy import (
    ArrearsPublic,
    MonthPublic,
    PaymentCreate,
    PropertyTakeover,
    ScheduleCreate,
    ScheduledMonth,
    SchedulePublic,
    SubsidyPayment,
    SubsidySchedule,
)
from shared import audit
from shared.access import Principal, sees_district, visible_district
from shared.bus.outbox import add_to_outbox
from shared.bus.subscriptions import ReceivedEvent
from shared.contracts.funding import PropertySubsidyPaid, PropertySubsidyScheduled
from shared.contracts.registry import PropertyTakenOver
from shared.errors import Conflict, Forbidden, InvalidState, NotFound
from shared.policy import RuleAbsentError, property_subsidy_terms

AREA_CEILING = Decimal(100_000_000)  # the bound a district's stated area has (models.fields.AreaM2)
REMAINDER_RULE = "the remainder (fewer fen than months) goes one fen each to the earliest months"


def _ledger_area(taken: PropertyTakenOver) -> Decimal | None:
    """The floor area the takeover carries (the registry's ledger), to the hundredth of a m², or
    None when absent or out of the bounds a district could state (then the district states it)."""
    area = getattr(taken, "floor_area_m2", None)  # optional on the event: older producers omit it
    if not isinstance(area, Decimal) or not area.is_finite():
        return None
    area = area.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return area if Decimal(0) < area < AREA_CEILING else None


async def record_takeover(session: AsyncSession, event: ReceivedEvent[PropertyTakenOver]) -> None:
    """Keep the takeover date (the schedule starts from it) and the floor area when it carries one."""
    taken = event.payload
    if await session.get(PropertyTakeover, taken.project_id) is not None:
        return
    session.add(
        PropertyTakeover(
            project_id=taken.project_id,
            district_code=taken.district_code,
            programme_code=taken.programme_code,
            taken_over_on=taken.taken_over_on,
            mode=taken.mode,
            manager=taken.manager,
            floor_area_m2=_ledger_area(taken),
            source_event_id=event.id,
            recorded_at=event.now,
        )
    )


async def create_schedule(
    session: AsyncSession,
    actor: Principal,
    project_id: uuid.UUID,
    body: ScheduleCreate,
    now: datetime,
    profiles: ProfileLookup = bundled_profile,
) -> SchedulePublic:
    """The paying district schedules the subsidy of a taken-over project, once."""
    takeover = await session.get(PropertyTakeover, project_id, with_for_update=True)
    if takeover is None or not sees_district(actor, takeover.district_code):
        raise NotFound(f"funding knows no property takeover of project {project_id}")
    profile = profiles(takeover.programme_code)
    try:
        allowed = profile is not None and rules.may_pay(profile, actor, takeover.district_code)
    except RuleAbsentError as absent:
        raise InvalidState(str(absent), current="no_property_subsidy_rule", allowed=[]) from absent
    if not allowed or profile is None:
        raise Forbidden("only the district that pays the property subsidy schedules it")
    existing = (
        await session.exec(select(SubsidySchedule).where(SubsidySchedule.project_id == project_id))
    ).first()
    if existing is not None:
        raise Conflict(f"project {project_id} already has a property-subsidy schedule")
    area = rules.schedule_area(takeover.floor_area_m2, body.floor_area_m2)
    rate = rules.subsidy_rate(profile, body.fen_per_m2_month, body.below_standard_reason)
    months = rules.schedule(profile, area, takeover.taken_over_on, body.months, rate)
    minimum = property_subsidy_terms(profile).min_fen_per_m2_month
    schedule = SubsidySchedule(
        project_id=project_id,
        district_code=takeover.district_code,
        programme_code=takeover.programme_code,
        floor_area_m2=area,
        taken_over_on=takeover.taken_over_on,
        months=len(months),
        total_fen=sum(m.amount_fen for m in months),
        fen_per_m2_month=rate,
        below_standard_reason=body.below_standard_reason if minimum is not None and rate < minimum else None,
        created_by=actor.org_code,
        created_at=now,
    )
    session.add(schedule)
    await session.flush()
    for month in months:
        session.add(ScheduledMonth(schedule_id=schedule.id, month=month.month, amount_fen=month.amount_fen))
    journal.post_property_subsidy(
        session, schedule, journal_rules.property_subsidy_scheduled(schedule.total_fen), schedule.id, now
    )
    audit.record(
        session,
        actor,
        "property_subsidy.scheduled",
        "project",
        project_id,
        after={
            "total_fen": schedule.total_fen,
            "months": schedule.months,
            "fen_per_m2_month": rate,
            "below_standard_reason": schedule.below_standard_reason,
        },
    )
    add_to_outbox(
        session,
        PropertySubsidyScheduled(
            project_id=project_id,
            district_code=schedule.district_code,
            programme_code=schedule.programme_code,
            schedule_id=schedule.id,
            floor_area_m2=area,
            taken_over_on=schedule.taken_over_on,
            first_month=months[0].month,
            months=schedule.months,
            total_fen=schedule.total_fen,
            remainder_rule=REMAINDER_RULE,
            fen_per_m2_month=rate,
            below_standard=schedule.below_standard_reason is not None,
            below_standard_reason=schedule.below_standard_reason,
        ),
    )
    return await _present(session, schedule, now, profiles)


async def pay_month(
    session: AsyncSession,
    actor: Principal,
    project_id: uuid.UUID,
    body: PaymentCreate,
    now: datetime,
    profiles: ProfileLookup = bundled_profile,
) -> SchedulePublic:
    """Record a payment against one scheduled month, never above what the month still owes."""
    schedule = await _schedule(session, actor, project_id, lock=True)
    profile = profiles(schedule.programme_code)
    if profile is None or not rules.may_pay(profile, actor, schedule.district_code):
        raise Forbidden("only the district that pays the property subsidy records its payments")
    statuses = await _statuses(session, schedule)
    rules.check_payment(statuses, body.month, body.amount_fen, body.paid_on, now)
    payment = SubsidyPayment(
        schedule_id=schedule.id,
        month=body.month,
        amount_fen=body.amount_fen,
        paid_on=body.paid_on,
        recorded_by=actor.org_code,
        recorded_at=now,
    )
    session.add(payment)
    journal.post_property_subsidy(
        session, schedule, journal_rules.property_subsidy_paid(body.amount_fen), payment.id, now
    )
    audit.record(
        session,
        actor,
        "property_subsidy.paid",
        "project",
        project_id,
        after={"month": body.month, "amount_fen": body.amount_fen},
    )
    await session.flush()
    sheet = await _present(session, schedule, now, profiles)
    add_to_outbox(
        session,
        PropertySubsidyPaid(
            project_id=project_id,
            district_code=schedule.district_code,
            programme_code=schedule.programme_code,
            schedule_id=schedule.id,
            month=body.month,
            amount_fen=body.amount_fen,
            paid_on=body.paid_on,
            paid_fen=sheet.paid_fen,
            owed_fen=sheet.owed_fen,
        ),
    )
    return sheet


async def read_schedule(
    session: AsyncSession,
    actor: Principal,
    project_id: uuid.UUID,
    now: datetime,
    profiles: ProfileLookup = bundled_profile,
) -> SchedulePublic:
    return await _present(session, await _schedule(session, actor, project_id), now, profiles)


async def list_arrears(session: AsyncSession, actor: Principal, now: datetime) -> list[ArrearsPublic]:
    """Every ended month not fully paid, across the schedules the caller may see."""
    query = select(SubsidySchedule).order_by(col(SubsidySchedule.created_at))
    if (district := visible_district(actor)) is not None:
        query = query.where(SubsidySchedule.district_code == district)
    out = []
    for schedule in (await session.exec(query)).all():
        for month in rules.arrears(await _statuses(session, schedule), now):
            out.append(
                ArrearsPublic(
                    project_id=schedule.project_id,
                    district_code=schedule.district_code,
                    month=month.month,
                    scheduled_fen=month.scheduled_fen,
                    paid_fen=month.paid_fen,
                    owed_fen=month.owed_fen,
                )
            )
    return out


async def _schedule(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, *, lock: bool = False
) -> SubsidySchedule:
    query = select(SubsidySchedule).where(SubsidySchedule.project_id == project_id)
    schedule = (await session.exec(query.with_for_update() if lock else query)).first()
    if schedule is None or not sees_district(actor, schedule.district_code):
        raise NotFound(f"no property-subsidy schedule for project {project_id}")
    return schedule


async def _statuses(session: AsyncSession, schedule: SubsidySchedule) -> list[rules.MonthStatus]:
    months = (
        await session.exec(
            select(ScheduledMonth)
            .where(ScheduledMonth.schedule_id == schedule.id)
            .order_by(col(ScheduledMonth.month))
        )
    ).all()
    payments = (
        await session.exec(select(SubsidyPayment).where(SubsidyPayment.schedule_id == schedule.id))
    ).all()
    return rules.statuses(
        [rules.MonthlyAmount(m.month, m.amount_fen) for m in months],
        [(p.month, p.amount_fen) for p in payments],
    )


def _rates(schedule: SubsidySchedule, profiles: ProfileLookup) -> tuple[int, bool]:
    """The rate a schedule pays and whether it was made below the programme's standard (a reason
    is kept exactly then, so a later change of the profile does not re-flag it). A schedule made
    before the rate was kept (migration 0010) paid the minimum of its day: the profile's now."""
    rate = schedule.fen_per_m2_month
    if rate is None:
        profile = profiles(schedule.programme_code)
        rate = property_subsidy_terms(profile).min_fen_per_m2_month if profile is not None else None
    assert rate is not None, f"{schedule.programme_code}: no rate kept and none in the profile"
    return rate, schedule.below_standard_reason is not None


async def _present(
    session: AsyncSession, schedule: SubsidySchedule, now: datetime, profiles: ProfileLookup
) -> SchedulePublic:
    statuses = await _statuses(session, schedule)
    rate, below_standard = _rates(schedule, profiles)
    takeover = await session.get(PropertyTakeover, schedule.project_id)
    late = {m.month for m in rules.arrears(statuses, now)}
    derived = await journal.project_balances(session, schedule.project_id)  # the totals' only source
    return SchedulePublic(
        id=schedule.id,
        project_id=schedule.project_id,
        district_code=schedule.district_code,
        programme_code=schedule.programme_code,
        floor_area_m2=schedule.floor_area_m2,
        floor_area_source="takeover"
        if takeover is not None and takeover.floor_area_m2 is not None
        else "district",
        taken_over_on=schedule.taken_over_on,
        months=schedule.months,
        fen_per_m2_month=rate,
        below_standard=below_standard,
        below_standard_reason=schedule.below_standard_reason,
        total_fen=schedule.total_fen,
        remainder_rule=REMAINDER_RULE,
        paid_fen=derived.property_subsidy_paid_fen,
        owed_fen=derived.property_subsidy_scheduled_fen - derived.property_subsidy_paid_fen,
        schedule=[
            MonthPublic(
                month=m.month,
                scheduled_fen=m.scheduled_fen,
                paid_fen=m.paid_fen,
                owed_fen=m.owed_fen,
                in_arrears=m.month in late,
            )
            for m in statuses
        ],
    )
