"""Notification settings: subscriptions, the outbound guard and webhook delivery."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from services.notification.domain.attempts import MAX_EXCERPT_CHARS
from services.notification.domain.retry import SVIX_SCHEDULE_S
from shared.outbound import Allowlist
from shared.settings import ServiceSettings

TEST_LOOPBACK = "127.0.0.0/8,::1/128"
"""Allowed when ENVIRONMENT=test and no allow-list is set: the test platform's receivers listen on
loopback. Development and production allow nothing by default."""


class NotificationSettings(ServiceSettings):
    service_name: str = "notification"
    port: int = 8004
    webhook_timeout_s: float = Field(
        default=15.0, gt=0, le=60, description="Total deadline of one webhook request (resolve + send)."
    )
    delivery_lease_margin_s: float = Field(
        default=15.0, gt=0, description="How much longer than the request deadline a delivery is leased."
    )
    retry_schedule_s: tuple[float, ...] = Field(
        default=SVIX_SCHEDULE_S, min_length=1, description="Delays before the 2nd, 3rd, … attempt."
    )
    retry_jitter: float = Field(default=0.2, ge=0, le=0.5)
    endpoint_disable_after_s: float = Field(
        default=5 * 24 * 3600.0,
        gt=0,
        description="Failing with nothing delivered this long disables an endpoint.",
    )
    delivery_poll_interval_s: float = 0.5
    delivery_response_excerpt_chars: int = Field(
        default=256,
        ge=0,
        le=MAX_EXCERPT_CHARS,
        description="How much of a receiver's answer body each attempt keeps for the subscription's "
        "owner (0: none).",
    )
    delivery_record_linger_s: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="How long the worker waits for more finished attempts before committing a batch "
        "of attempt records (group commit; the endpoint's slot is already free).",
    )
    delivery_lease_interval_s: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="While leased deliveries are waiting, the worker leases again at most this often "
        "(it leases at once when none is waiting): one lease serves many sends.",
    )
    acknowledgement_sweep_interval_s: float = Field(
        default=60.0, gt=0, le=3600, description="How often overdue acknowledgements are escalated."
    )
    delivery_concurrency: int = Field(default=50, ge=1, le=1000)
    delivery_concurrency_per_endpoint: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="In flight to one subscription at most, so a hanging endpoint cannot take every slot.",
    )
    subscriptions_per_organisation: int = Field(default=20, ge=1, le=1000)
    secret_rotation_overlap_s: float = Field(
        default=24 * 3600.0, ge=0, le=30 * 24 * 3600.0, description="How long an old secret keeps signing."
    )
    notification_outbound_allowlist: str = Field(
        default="",
        description="Comma-separated host:port or CIDR entries webhooks may reach despite the guard.",
    )

    delivery_retention_days: int = Field(
        default=90,
        gt=0,
        description="Finished deliveries (delivered, failed, or stopped with their subscription) with no "
        "activity for this long are purged with their attempts; pending ones never.",
    )
    feed_retention_days: int = Field(
        default=365, gt=0, description="Feed entries stored longer ago than this are purged."
    )
    inbox_item_retention_days: int = Field(
        default=365,
        gt=0,
        description="In-app inbox items read longer ago than this are purged; unread ones never. (Not "
        "`inbox_retention_days`, which is the bus's inbox.)",
    )
    retention_batch_size: int = Field(
        default=1000, ge=1, le=50_000, description="Rows deleted per transaction by the retention pass."
    )

    smtp_host: str = Field(default="127.0.0.1", description="The SMTP relay e-mail is sent through.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: str = "noreply@renovation.local"
    smtp_start_tls: bool | None = Field(
        default=None, description="STARTTLS: on, off, or as the relay offers."
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None

    @model_validator(mode="after")
    def _allowlist_parses(self) -> NotificationSettings:
        Allowlist.parse(self._allowlist_entries())
        return self

    @model_validator(mode="after")
    def _deliveries_outlast_disabling(self) -> NotificationSettings:
        # An endpoint is disabled from its attempts' history (`failing_since`): purging them first
        # would make a long failure look shorter than it is.
        if self.delivery_retention_days * 86400 <= self.endpoint_disable_after_s:
            raise ValueError(
                f"DELIVERY_RETENTION_DAYS ({self.delivery_retention_days}) must exceed "
                f"ENDPOINT_DISABLE_AFTER_S ({self.endpoint_disable_after_s:g} s), or the attempts that "
                "decide whether an endpoint is disabled could be purged first"
            )
        return self

    def _allowlist_entries(self) -> list[str]:
        raw = self.notification_outbound_allowlist
        if not raw and self.environment == "test":
            raw = TEST_LOOPBACK
        return [entry for entry in raw.split(",") if entry.strip()]

    @property
    def outbound_allowlist(self) -> Allowlist:
        return Allowlist.parse(self._allowlist_entries())

    @property
    def require_https(self) -> bool:
        """Production sends webhooks over https only."""
        return self.environment == "production"

    @property
    def delivery_lease_s(self) -> float:
        """A leased delivery is not picked up again until its request's deadline has long passed."""
        return self.webhook_timeout_s + self.delivery_lease_margin_s
