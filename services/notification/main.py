"""Notification service: departments and utilities subscribe to events and get signed webhooks."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.notification.api import router
from services.notification.delivery import run_delivery_worker
from services.notification.handlers import SUBSCRIPTIONS
from services.notification.settings import NotificationSettings
from shared.web.app import ServiceDefinition, create_app


def create_notification_app(settings: NotificationSettings | None = None) -> FastAPI:
    """Build the notification app; settings default to the environment."""
    return create_app(
        ServiceDefinition(
            settings=settings or NotificationSettings(),
            title="Notification (通知)",
            description="Subscriptions to domain events, delivered as signed webhooks.",
            routers=[router],
            migrations_dir=Path(__file__).parent / "migrations",
            subscriptions=SUBSCRIPTIONS,
            workers=[run_delivery_worker],
        )
    )
