"""Fan-out (pure): which subscriptions an event goes to.

A subscription hears an event when it subscribed to the type AND its organisation may read the
event under the platform's access rules (`shared.access.sees_event`), the same rules the HTTP reads
apply: a district hears its own district only, a utility only pipeline work assigned to it,
never money. The organisation's kind and district are those of the token that created it. Its
filters (programmes, districts, catalogue items) then narrow what it hears, never widen it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Protocol, TypeVar

from services.notification.domain.subscriptions import Filters, passes_filters
from shared.access import OrganisationKind, Principal, sees_event
from shared.contracts.envelope import CloudEvent


class SubscriberView(Protocol):
    """What routing needs of a subscription."""

    @property
    def subscriber_code(self) -> str: ...
    @property
    def subscriber_kind(self) -> str | None: ...
    @property
    def subscriber_district(self) -> str | None: ...
    @property
    def event_types(self) -> Sequence[str]: ...
    @property
    def active(self) -> bool: ...
    @property
    def programme_codes(self) -> Sequence[str] | None: ...
    @property
    def district_codes(self) -> Sequence[str] | None: ...
    @property
    def item_codes(self) -> Sequence[str] | None: ...


S = TypeVar("S", bound=SubscriberView)


def subscriber(view: SubscriberView) -> Principal | None:
    """The organisation behind a subscription, as the access rules see it; None when its kind is
    unknown (a subscription from before kinds were stored hears nothing: fail closed)."""
    try:
        kind = OrganisationKind(view.subscriber_kind or "")
    except ValueError:
        return None
    return Principal(
        subject=f"subscription:{view.subscriber_code}",
        org_code=view.subscriber_code,
        org_kind=kind,
        district_code=view.subscriber_district,
    )


def filters_of(view: SubscriberView) -> Filters:
    """The subscription's filters."""
    return Filters.of(view.programme_codes, view.district_codes, view.item_codes)


def is_filtered_by_item(view: SubscriberView) -> bool:
    """Does hearing an event depend on its project's catalogue items?"""
    return view.item_codes is not None


def hears(view: SubscriberView, event: CloudEvent, items: Collection[str] | None = None) -> bool:
    """Does this subscription receive this event?

    Args:
        items: the catalogue items of the project the event is about, when known.
    """
    if not view.active or event.type not in view.event_types:
        return False
    principal = subscriber(view)
    if principal is None or not sees_event(principal, event.type, event.districtcode, event.data):
        return False
    programme = event.data.get("programme_code")
    return passes_filters(
        filters_of(view), programme if isinstance(programme, str) else None, event.districtcode, items
    )


def recipients(
    event: CloudEvent, subscriptions: Iterable[S], items: Collection[str] | None = None
) -> list[S]:
    """The subscriptions that receive `event`, in the order given."""
    return [s for s in subscriptions if hears(s, event, items)]
