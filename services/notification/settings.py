"""Notification settings: subscriptions and webhook delivery."""

from __future__ import annotations

from shared.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    service_name: str = "notification"
    port: int = 8004
    webhook_timeout_s: float = 5.0
    delivery_max_attempts: int = 6
    delivery_backoff_s: float = 2.0
    delivery_poll_interval_s: float = 0.5
    delivery_batch_size: int = 50
