"""Notification service: departments and utilities subscribe to events and get signed webhooks."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.notification.api import router
from services.notification.delivery import run_delivery_worker
from services.notification.handlers import EVENT_HANDLERS
from services.notification.settings import NotificationSettings
from shared.bus.topics import ALL_EVENT_TOPICS
from shared.service import ServiceDefinition, create_app


def create_notification_app(settings: NotificationSettings | None = None) -> FastAPI:
    """Build the notification app; settings default to the environment."""
    return create_app(
        ServiceDefinition(
            settings=settings or NotificationSettings(),
            title="Notification (通知)",
            description="Subscriptions to domain events, delivered as signed webhooks.",
            routers=[router],
            migrations_dir=Path(__file__).parent / "migrations",
            consumes=list(ALL_EVENT_TOPICS),
            handlers=EVENT_HANDLERS,
            workers=[run_delivery_worker],
        )
    )
