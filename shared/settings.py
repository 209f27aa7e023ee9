"""Settings every service shares; each service subclasses with its own name and defaults.

Values come from the environment (unprefixed: `DATABASE_URL`, `KAFKA_BOOTSTRAP_SERVERS`, ...),
so one process runs one service and a Procfile or compose file sets each one's variables.

The JWT secret depends on the environment (docs/security.md):
- production: `JWT_SECRET` (or `JWT_JWKS_URL`) must be set to a real secret; placeholders are refused;
- development: unless `JWT_SECRET` is set, a random secret is generated on first run and kept in
  `<DATA_DIR>/jwt-secret` (mode 0600), read by every service and the token CLI on this machine;
- test: the fixed `TEST_JWT_SECRET`, so tests can sign tokens without touching the disk.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "DEV_JWT_SECRET",
    "JWT_SECRET_FILE",
    "PLACEHOLDER_SECRETS",
    "TEST_JWT_SECRET",
    "MiB",
    "ServiceSettings",
]

TEST_JWT_SECRET = "test-only-secret-never-deployed-0123456789abcdef"
# The old name: tests import it; it is the test secret, never a default outside `environment=test`.
DEV_JWT_SECRET = TEST_JWT_SECRET
PLACEHOLDER_SECRETS = frozenset(
    {
        "change-me",
        "dev-only-secret-change-me",
        "dev-only-secret-change-me-0123456789abcdef",
        TEST_JWT_SECRET,
        "secret",
        "",
    }
)
JWT_SECRET_FILE = "jwt-secret"
MiB = 1024 * 1024


_Threshold = Annotated[int, Field(ge=0, le=10_000_000)]
"""One generation's garbage-collector threshold (0 switches collection off)."""


class ServiceSettings(BaseSettings):
    """Validated runtime configuration; refuses placeholder secrets outside development and test."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    service_name: str
    environment: Literal["development", "test", "production"] = "development"
    bind_host: str = Field(
        default="127.0.0.1",
        description="Interface the HTTP server listens on; loopback unless a container needs 0.0.0.0.",
    )
    port: int = 8000
    data_dir: Path = Field(
        default=Path("./var"), description="Local data folder: SQLite files and the development JWT secret."
    )
    database_url: str = ""
    run_migrations_on_start: bool = True
    db_pool_size: int = Field(
        default=20,
        ge=1,
        le=200,
        description="PostgreSQL connections a worker keeps for commands (no overflow; shared/db/engine.py).",
    )
    db_read_pool_size: int = Field(
        default=20,
        ge=1,
        le=200,
        description="PostgreSQL connections a worker keeps for GET requests (its read engine; no overflow).",
    )

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    topic_prefix: str = Field(
        default="", description="Namespace for every topic, e.g. 'staging.'; empty in production."
    )
    topic_partitions: int = 3
    kafka_startup_timeout_s: float = 60.0
    # Topics and Kafka clients (issue 12, items 1 and 13); shared/bus/kafka.py reads them.
    kafka_replication_factor: int = Field(
        default_factory=lambda d: 3 if d.get("environment") == "production" else 1,
        ge=1,
        description="Replicas of every topic the service creates (production 3, local 1).",
    )
    kafka_min_insync_replicas: int = Field(
        default_factory=lambda d: 2 if d.get("environment") == "production" else 1,
        ge=1,
        description="Replicas that must ack an acks=all write (production 2, local 1).",
    )
    kafka_unclean_leader_election: bool = Field(
        default=False, description="Never true in production: an out-of-sync leader loses acked events."
    )
    kafka_topic_retention_ms: int = Field(
        default=7 * 24 * 3600 * 1000, gt=0, description="Event topics' retention.ms: the redelivery window."
    )
    kafka_compression_type: Literal["lz4", "zstd", "gzip", "snappy", "none"] = "lz4"
    kafka_topics_provisioned: bool = Field(
        default=False,
        description="Topics are created by the deployment (e.g. Strimzi); services only verify them.",
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = Field(default=None, description="CA bundle; unset: the system's CAs.")
    kafka_ssl_certfile: Path | None = Field(default=None, description="Client certificate (mutual TLS).")
    kafka_ssl_keyfile: Path | None = None
    inbox_retention_days: int = Field(
        default=30, ge=1, description="Inbox rows older than this are purged; must outlast topic retention."
    )
    retention_interval_s: float = Field(
        default=3600.0,
        ge=0,
        le=7 * 24 * 3600,
        description="How often each service purges its outbox and inbox (shared.web.housekeeping); 0: never.",
    )

    outbox_batch_size: int = Field(
        default=2000,
        ge=1,
        le=10_000,
        description="Rows the outbox relay leases, sends and settles at a time (shared.bus.relay).",
    )
    outbox_poll_interval_s: float = 0.5
    outbox_max_backoff_s: float = 30.0
    relay_enabled: bool = True

    consumer_enabled: bool = True
    consumer_batch_size: int = 500
    consumer_max_attempts: int = 5
    consumer_retry_backoff_s: float = 0.2
    consumer_max_backoff_s: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description=(
            "Longest pause between a waiting event's retries while the database or broker is away: "
            "how late the consumer notices they are back (each retry is one probe)."
        ),
    )

    jwt_secret: SecretStr | None = Field(
        default=None, description="HS256 key; unset: generated (development) or the test key (test)."
    )
    jwt_jwks_url: str | None = Field(
        default=None,
        description="The identity provider's JWKS; when set, tokens are verified with it.",
    )
    jwt_max_lifetime_s: int = Field(
        default=24 * 3600, gt=0, description="Tokens whose exp - iat exceeds this are refused."
    )
    jwt_leeway_s: int = Field(
        default=60, ge=0, le=300, description="Clock skew tolerated on exp and on an iat in the future."
    )

    max_body_bytes: int = Field(default=1 * MiB, gt=0, description="Largest request body accepted.")
    body_limit_overrides: dict[str, int] = Field(
        default_factory=dict,
        description='Larger limits by path prefix, e.g. {"/imports": 20971520} for a spreadsheet import.',
    )

    rate_limits_enabled: bool = True
    rate_limit_writes: str = Field(
        default="600/minute", description="Writes (POST/PUT/PATCH/DELETE) per organisation ('limits' syntax)."
    )
    rate_limit_auth_failures: str = Field(
        default="30/minute", description="Failed authentications per client IP before 429."
    )

    access_log_read_sample: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description=(
            "Share of successful, fast GET/HEAD requests that get an access line (1: all). Writes, "
            "errors (status >= 400) and slow requests are always logged; the latency histogram "
            "counts every request. A line cost ~0.1 ms of CPU, a third of a cheap request's."
        ),
    )
    access_log_slow_ms: int = Field(
        default=500, ge=0, description="A request at least this slow always gets an access line."
    )

    web_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Worker processes serving the port: one per core in production (shared/web/runner.py).",
    )

    gc_thresholds: tuple[_Threshold, _Threshold, _Threshold] = Field(
        default=(50_000, 50, 100),
        description=(
            "The service process's garbage-collector thresholds (gc.set_threshold), set by the runner: "
            "Python's (700, 10, 10) collects so often that a bulk command spends a fifth of its CPU in "
            "the collector, and a consumer's fetch in hand outgrew 10,000 (shared/web/collector.py)."
        ),
    )

    otel_exporter_otlp_endpoint: str | None = Field(
        default=None,
        description="OTLP/HTTP collector base URL (e.g. http://127.0.0.1:4318); unset: no traces exported.",
    )

    cors_allowed_origins: list[str] = Field(
        default_factory=list, description="Browser origins allowed by CORS; empty: CORS closed."
    )

    @model_validator(mode="after")
    def _defaults_and_secrets(self) -> ServiceSettings:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///./var/{self.service_name}.db")
        if self.jwt_secret is None:
            object.__setattr__(self, "jwt_secret", SecretStr(self._default_jwt_secret()))
        topic_days = self.kafka_topic_retention_ms / (24 * 3600 * 1000)
        if self.inbox_retention_days < topic_days + 1:
            raise ValueError(
                f"INBOX_RETENTION_DAYS ({self.inbox_retention_days}) must exceed the topics' retention "
                f"({topic_days:g} days) by a day, or an event replayed from a topic would be applied twice"
            )
        if self.environment == "production":
            if not self.jwt_jwks_url and self.jwt_key in PLACEHOLDER_SECRETS:
                raise ValueError("JWT_SECRET (or JWT_JWKS_URL) must be set to a real secret in production")
            if self.database_url.startswith("sqlite"):
                raise ValueError("DATABASE_URL must point at PostgreSQL in production")
        return self

    def _default_jwt_secret(self) -> str:
        if self.environment == "test":
            return TEST_JWT_SECRET
        if self.environment == "development":
            return _local_jwt_secret(self.data_dir)
        return ""  # production: refused below unless a JWKS URL is set

    @property
    def jwt_key(self) -> str:
        """The HS256 key as a string (always set after validation)."""
        assert self.jwt_secret is not None
        return self.jwt_secret.get_secret_value()

    def topic(self, base_name: str) -> str:
        """The physical topic name for a base name from `shared.contracts.topics`.

        Args:
            base_name: a topic name from `shared.contracts.topics`, e.g. ``registry.events``.

        Returns:
            The name with `topic_prefix` in front, as the broker knows it.
        """
        return f"{self.topic_prefix}{base_name}"

    @property
    def consumer_group(self) -> str:
        """The Kafka consumer group of this service: its name behind `topic_prefix`."""
        return f"{self.topic_prefix}{self.service_name}"


def _local_jwt_secret(data_dir: Path) -> str:
    """This machine's development secret: read `<data_dir>/jwt-secret`, creating it on first use.

    The file is written to a private temporary name and hard-linked into place, so four services
    starting at once agree on one secret and nobody reads a half-written file.

    Args:
        data_dir: the local data folder (`DATA_DIR`); created if missing.

    Returns:
        The secret, at least 32 characters.

    Raises:
        ValueError: the file is readable by others than its owner, or holds no usable secret.
    """
    path = data_dir / JWT_SECRET_FILE
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = data_dir / f".{JWT_SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won the race; use its secret
    finally:
        tmp.unlink(missing_ok=True)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        raise ValueError(f"{path} must be readable by its owner only (chmod 600)")
    value = path.read_text().strip()
    if len(value) < 32:
        raise ValueError(f"{path} holds no usable secret; delete it to generate a new one")
    return value
