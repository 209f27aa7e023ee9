"""Fan-out: store one delivery per subscription that may hear the event (an inbox item for inbox
subscriptions, once per organisation).

Delivery happens later, in the worker, so a slow subscriber never holds the consumer; which
subscriptions hear the event is decided by the pure `domain.routing.recipients`.
"""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notification.domain.channels import Channel
from services.notification.domain.minimise import minimise, role_of
from services.notification.domain.routing import is_filtered_by_item, recipients, subscriber
from services.notification.handlers import acknowledgements, feed, inbox, responsibility
from services.notification.models import Delivery, DeliveryState, ProjectItems, Subscription
from shared.access import OrganisationKind, Principal, sees_event
from shared.bus.subscriptions import ReceivedEvent
from shared.contracts.base import EventPayload
from shared.contracts.envelope import CloudEvent


async def fan_out(session: AsyncSession, event: ReceivedEvent[EventPayload]) -> None:
    """Queue a delivery of this event for every active subscription entitled to it, put it in the
    inbox of every organisation responsible for it by the programme's profile, and keep it for
    the pull feed. Each organisation gets the envelope minimised for its role
    (`domain.minimise`): the stored body is exactly what is signed and sent."""
    await responsibility.remember_items(session, event.envelope, event.now)
    await acknowledgements.on_event(session, event.envelope, event.now)
    view, responsible = await responsibility.routing_view(session, event.envelope)
    feed.append(session, event, assigned_utilities=view.data.get("assigned_utilities"))
    active = (await session.exec(select(Subscription).where(Subscription.active == True))).all()  # noqa: E712
    projected: dict[tuple[str, str], CloudEvent] = {}

    def for_reader(reader: Principal) -> CloudEvent:
        """The event minimised for the reader's role (computed once per role and utility)."""
        key = (role_of(reader), reader.org_code if reader.org_kind is OrganisationKind.UTILITY else "")
        if key not in projected:
            projected[key] = minimise(reader, event.envelope)
        return projected[key]

    inboxes: set[str] = set()
    for org in responsible:
        if org.org_code not in inboxes and sees_event(org, view.type, view.districtcode, view.data):
            inboxes.add(org.org_code)
            inbox.add_item(session, org.org_code, for_reader(org), event.now)
    items = await _project_items(session, view) if any(map(is_filtered_by_item, active)) else None
    for subscription in recipients(view, active, items):
        reader = subscriber(subscription)
        if reader is None:
            continue
        minimised = for_reader(reader)
        if subscription.channel == Channel.INBOX:
            if subscription.subscriber_code not in inboxes:
                inboxes.add(subscription.subscriber_code)
                inbox.add_item(session, subscription.subscriber_code, minimised, event.now)
            continue
        session.add(
            Delivery(
                subscription_id=subscription.id,
                event_id=event.id,
                event_type=event.envelope.type,
                content=minimised.to_bytes().decode(),
                state=DeliveryState.PENDING,
                created_at=event.now,
                next_attempt_at=event.now,
            )
        )


async def _project_items(session: AsyncSession, event: CloudEvent) -> list[str] | None:
    """The approved catalogue items of the project the event is about; None when it names no
    project or its plan is not known here yet (an item filter then does not exclude it)."""
    project_id = event.data.get("project_id")
    if not project_id:
        return None
    row = await session.get(ProjectItems, str(project_id))
    return list(row.item_codes) if row else None
