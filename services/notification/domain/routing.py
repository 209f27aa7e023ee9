"""Fan-out (pure): which subscriptions an event goes to.

A subscription hears an event when it subscribed to the type AND its organisation may read the
event under the platform's access rules (`shared.access.sees_event`), the same rules the HTTP reads
apply: a district hears its own district only, a utility only pipeline work assigned to it,
never money. The organisation's kind and district are those of the token that created it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

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


def hears(view: SubscriberView, event: CloudEvent) -> bool:
    """Does this subscription receive this event?"""
    if not view.active or event.type not in view.event_types:
        return False
    principal = subscriber(view)
    return principal is not None and sees_event(principal, event.type, event.districtcode, event.data)


def recipients(event: CloudEvent, subscriptions: Iterable[S]) -> list[S]:
    """The subscriptions that receive `event`, in the order given."""
    return [s for s in subscriptions if hears(s, event)]
