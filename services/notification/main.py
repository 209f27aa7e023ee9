"""Notification service: departments and utilities subscribe to events and get signed webhooks."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.notification.api import ROUTERS
from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.retention import run_notification_retention
from services.notification.settings import NotificationSettings
from services.notification.worker import run_acknowledgement_sweeper, run_delivery_worker
from shared.web.app import ServiceDefinition, create_app


def create_notification_app(settings: NotificationSettings | None = None) -> FastAPI:
    """Build the notification app; settings default to the environment."""
    return create_app(
        ServiceDefinition(
            settings=settings or NotificationSettings(),
            title="Notification (通知)",
            description="Subscriptions to domain events, delivered as signed webhooks.",
            routers=ROUTERS,
            migrations_dir=Path(__file__).parent / "migrations",
            subscriptions=SUBSCRIPTIONS,
            workers=[run_delivery_worker, run_acknowledgement_sweeper, run_notification_retention],
        )
    )
