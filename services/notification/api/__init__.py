"""Notification's HTTP routes, by feature."""

from services.notification.api.acknowledgements import router as acknowledgements_router
from services.notification.api.deliveries import router as deliveries_router
from services.notification.api.feed import router as feed_router
from services.notification.api.inbox import router as inbox_router
from services.notification.api.subscriptions import router as subscriptions_router

ROUTERS = [subscriptions_router, deliveries_router, feed_router, inbox_router, acknowledgements_router]

__all__ = ["ROUTERS"]
