"""Service settings: safe development defaults; production refuses placeholders and SQLite."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pydantic import ValidationError

from services.funding.settings import FundingSettings
from services.notification.settings import NotificationSettings
from services.registry.settings import RegistrySettings
from services.reporting.settings import ReportingSettings
from shared.settings import PLACEHOLDER_SECRETS, ServiceSettings

POSTGRES = "postgresql+psycopg://renovation:pw@db:5432/registry"
REAL_SECRET = "k3J9-not-a-placeholder-8f2a7c"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in (
        "ENVIRONMENT",
        "DATABASE_URL",
        "JWT_SECRET",
        "JWT_JWKS_URL",
        "TOPIC_PREFIX",
        "PORT",
    ):
        monkeypatch.delenv(name, raising=False)
    yield


class TestProduction:
    @pytest.mark.parametrize("secret", ["dev-only-secret-change-me", "change-me", "secret", ""])
    def test_refuses_a_placeholder_jwt_secret(self, secret: str) -> None:
        with pytest.raises(ValidationError, match="JWT_SECRET"):
            ServiceSettings(
                service_name="registry",
                environment="production",
                database_url=POSTGRES,
                jwt_secret=secret,  # type: ignore[arg-type]
            )

    def test_refuses_the_default_jwt_secret(self) -> None:
        with pytest.raises(ValidationError, match="JWT_SECRET"):
            ServiceSettings(service_name="registry", environment="production", database_url=POSTGRES)

    def test_refuses_sqlite(self) -> None:
        with pytest.raises(ValidationError, match="PostgreSQL"):
            ServiceSettings(
                service_name="registry",
                environment="production",
                database_url="sqlite+aiosqlite:///./var/registry.db",
                jwt_secret=REAL_SECRET,  # type: ignore[arg-type]
            )

    def test_refuses_to_fall_back_to_the_sqlite_default(self) -> None:
        with pytest.raises(ValidationError, match="PostgreSQL"):
            ServiceSettings(
                service_name="registry",
                environment="production",
                jwt_secret=REAL_SECRET,  # type: ignore[arg-type]
            )

    def test_accepts_postgresql_and_a_real_secret(self) -> None:
        settings = ServiceSettings(
            service_name="registry",
            environment="production",
            database_url=POSTGRES,
            jwt_secret=REAL_SECRET,  # type: ignore[arg-type]
        )
        assert settings.database_url == POSTGRES
        assert settings.jwt_secret.get_secret_value() == REAL_SECRET

    def test_reads_the_refusal_from_the_environment_too(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ENVIRONMENT", "production")
        monkeypatch.setenv("DATABASE_URL", POSTGRES)
        monkeypatch.setenv("JWT_SECRET", "change-me")
        with pytest.raises(ValidationError, match="JWT_SECRET"):
            FundingSettings()


class TestDevelopment:
    @pytest.mark.parametrize(
        ("settings_class", "database_url"),
        [
            (RegistrySettings, "sqlite+aiosqlite:///./var/registry.db"),
            (FundingSettings, "sqlite+aiosqlite:///./var/funding.db"),
            (ReportingSettings, "sqlite+aiosqlite:///./var/reporting.db"),
            (NotificationSettings, "sqlite+aiosqlite:///./var/notification.db"),
        ],
    )
    def test_defaults_to_a_sqlite_file_named_after_the_service(
        self, settings_class: Callable[[], ServiceSettings], database_url: str
    ) -> None:
        settings = settings_class()
        assert settings.environment == "development"
        assert settings.database_url == database_url

    def test_accepts_the_placeholder_secret(self) -> None:
        settings = RegistrySettings()
        assert settings.jwt_secret.get_secret_value() in PLACEHOLDER_SECRETS

    def test_the_test_environment_accepts_placeholders_and_sqlite_too(self) -> None:
        settings = ServiceSettings(service_name="funding", environment="test")
        assert settings.database_url == "sqlite+aiosqlite:///./var/funding.db"

    def test_an_explicit_database_url_wins(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DATABASE_URL", POSTGRES)
        assert RegistrySettings().database_url == POSTGRES

    def test_each_service_has_its_own_port(self) -> None:
        ports = [
            cls().port for cls in (RegistrySettings, FundingSettings, ReportingSettings, NotificationSettings)
        ]
        assert ports == [8001, 8002, 8003, 8004]


class TestTopicNames:
    def test_the_prefix_goes_before_every_topic_and_the_consumer_group(self) -> None:
        settings = ServiceSettings(service_name="funding", topic_prefix="staging.")
        assert settings.topic("registry.events") == "staging.registry.events"
        assert settings.consumer_group == "staging.funding"

    def test_without_a_prefix_names_are_unchanged(self) -> None:
        settings = ServiceSettings(service_name="funding")
        assert settings.topic("registry.events") == "registry.events"
        assert settings.consumer_group == "funding"


def test_settings_are_frozen() -> None:
    settings = RegistrySettings()
    with pytest.raises(ValidationError):
        settings.port = 9000  # type: ignore[misc]
