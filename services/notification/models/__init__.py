"""Notification's tables and API shapes, by feature."""

from services.notification.models.acknowledgements import (
    AcknowledgementTimes,
    ActionItem,
    ActionItemPublic,
    ActionState,
    ActionTaken,
)
from services.notification.models.deliveries import (
    Delivery,
    DeliveryAttempt,
    DeliveryAttemptPublic,
    DeliveryLogHead,
    DeliveryPublic,
    DeliveryState,
    ReplayRequest,
    ReplayResult,
)
from services.notification.models.feed import FeedEntry, FeedPage
from services.notification.models.inbox import InboxCount, InboxItem, InboxItemPublic
from services.notification.models.projects import ProjectItems
from services.notification.models.subscriptions import (
    SecretRotated,
    Subscription,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionPublic,
    SubscriptionUpdate,
)

__all__ = [
    "AcknowledgementTimes",
    "ActionItem",
    "ActionItemPublic",
    "ActionState",
    "ActionTaken",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryAttemptPublic",
    "DeliveryLogHead",
    "DeliveryPublic",
    "DeliveryState",
    "FeedEntry",
    "FeedPage",
    "InboxCount",
    "InboxItem",
    "InboxItemPublic",
    "ProjectItems",
    "ReplayRequest",
    "ReplayResult",
    "SecretRotated",
    "Subscription",
    "SubscriptionCreate",
    "SubscriptionCreated",
    "SubscriptionPublic",
    "SubscriptionUpdate",
]
