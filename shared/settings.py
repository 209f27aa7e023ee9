"""Settings every service shares; each service subclasses with its own name and defaults.

Values come from the environment (unprefixed: `DATABASE_URL`, `KAFKA_BOOTSTRAP_SERVERS`, ...),
so one process runs one service and a Procfile or compose file sets each one's variables.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef"
PLACEHOLDER_SECRETS = frozenset({"change-me", "dev-only-secret-change-me", DEV_JWT_SECRET, "secret", ""})


class ServiceSettings(BaseSettings):
    """Validated runtime configuration; refuses placeholder secrets outside development and test."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    service_name: str
    environment: Literal["development", "test", "production"] = "development"
    port: int = 8000
    database_url: str = ""
    run_migrations_on_start: bool = True

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    topic_prefix: str = Field(
        default="", description="Namespace for every topic, e.g. 'staging.'; empty in production."
    )
    topic_partitions: int = 3
    kafka_startup_timeout_s: float = 60.0

    outbox_batch_size: int = 500
    outbox_poll_interval_s: float = 0.5
    outbox_max_backoff_s: float = 30.0
    relay_enabled: bool = True

    consumer_enabled: bool = True
    consumer_batch_size: int = 500
    consumer_max_attempts: int = 5
    consumer_retry_backoff_s: float = 0.2

    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_jwks_url: str | None = Field(
        default=None,
        description="The identity provider's JWKS; when set, tokens are verified with it.",
    )

    @model_validator(mode="after")
    def _defaults_and_secrets(self) -> ServiceSettings:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite+aiosqlite:///./var/{self.service_name}.db")
        if self.environment == "production":
            if not self.jwt_jwks_url and self.jwt_secret.get_secret_value() in PLACEHOLDER_SECRETS:
                raise ValueError("JWT_SECRET (or JWT_JWKS_URL) must be set to a real secret in production")
            if self.database_url.startswith("sqlite"):
                raise ValueError("DATABASE_URL must point at PostgreSQL in production")
        return self

    def topic(self, base_name: str) -> str:
        """The physical topic name for a base name from `shared.contracts.topics`."""
        return f"{self.topic_prefix}{base_name}"

    @property
    def consumer_group(self) -> str:
        return f"{self.topic_prefix}{self.service_name}"
