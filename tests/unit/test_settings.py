"""Service settings: safe development defaults; production refuses placeholders and SQLite."""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.funding.settings import FundingSettings
from services.notification.settings import NotificationSettings
from services.registry.settings import RegistrySettings
from services.reporting.settings import ReportingSettings
from shared.settings import DEV_JWT_SECRET, PLACEHOLDER_SECRETS, TEST_JWT_SECRET, ServiceSettings

POSTGRES = "postgresql+psycopg://renovation:pw@db:5432/registry"
REAL_SECRET = "k3J9-not-a-placeholder-8f2a7c"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in (
        "ENVIRONMENT",
        "DATABASE_URL",
        "JWT_SECRET",
        "JWT_JWKS_URL",
        "TOPIC_PREFIX",
        "PORT",
        "BIND_HOST",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "var"))
    yield


class TestProduction:
    @pytest.mark.parametrize(
        "secret",
        [
            "dev-only-secret-change-me",
            "change-me",
            "secret",
            "",
            "dev-only-secret-change-me-0123456789abcdef",  # the constant development secret of old
            TEST_JWT_SECRET,
        ],
    )
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
                database_url="sqlite:///./var/registry.db",
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
        assert settings.jwt_key == REAL_SECRET

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
            (RegistrySettings, "sqlite:///./var/registry.db"),
            (FundingSettings, "sqlite:///./var/funding.db"),
            (ReportingSettings, "sqlite:///./var/reporting.db"),
            (NotificationSettings, "sqlite:///./var/notification.db"),
        ],
    )
    def test_defaults_to_a_sqlite_file_named_after_the_service(
        self, settings_class: Callable[[], ServiceSettings], database_url: str
    ) -> None:
        settings = settings_class()
        assert settings.environment == "development"
        assert settings.database_url == database_url

    def test_generates_a_random_secret_on_first_run_instead_of_a_constant(self, tmp_path: Path) -> None:
        settings = RegistrySettings()
        secret = settings.jwt_key
        assert secret not in PLACEHOLDER_SECRETS
        assert len(secret) >= 32
        path = tmp_path / "var" / "jwt-secret"
        assert path.read_text().strip() == secret
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_every_service_and_the_cli_read_the_same_local_secret(self) -> None:
        secrets = {
            cls().jwt_key
            for cls in (RegistrySettings, FundingSettings, ReportingSettings, NotificationSettings)
        }
        secrets.add(ServiceSettings(service_name="cli").jwt_key)
        assert len(secrets) == 1

    def test_another_machine_gets_another_secret(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        first = RegistrySettings().jwt_key
        monkeypatch.setenv("DATA_DIR", str(tmp_path / "elsewhere"))
        assert RegistrySettings().jwt_key != first

    def test_a_secret_file_others_can_read_is_refused(self, tmp_path: Path) -> None:
        RegistrySettings()
        (tmp_path / "var" / "jwt-secret").chmod(0o644)
        with pytest.raises(ValidationError, match="chmod 600"):
            RegistrySettings()

    def test_an_explicit_secret_wins_and_nothing_is_written(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("JWT_SECRET", REAL_SECRET)
        assert RegistrySettings().jwt_key == REAL_SECRET
        assert not (tmp_path / "var" / "jwt-secret").exists()

    def test_the_test_environment_uses_the_fixed_test_secret(self, tmp_path: Path) -> None:
        settings = ServiceSettings(service_name="funding", environment="test")
        assert settings.jwt_key == TEST_JWT_SECRET == DEV_JWT_SECRET
        assert not (tmp_path / "var" / "jwt-secret").exists()

    def test_the_test_environment_accepts_placeholders_and_sqlite_too(self) -> None:
        settings = ServiceSettings(service_name="funding", environment="test")
        assert settings.jwt_key in PLACEHOLDER_SECRETS
        assert settings.database_url == "sqlite:///./var/funding.db"

    def test_listens_on_loopback_unless_told_otherwise(self, monkeypatch: pytest.MonkeyPatch) -> None:
        assert RegistrySettings().bind_host == "127.0.0.1"
        monkeypatch.setenv("BIND_HOST", "0.0.0.0")
        assert RegistrySettings().bind_host == "0.0.0.0"

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


def test_the_database_pools_default_to_twenty_and_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = RegistrySettings(environment="test")
    assert (settings.db_pool_size, settings.db_read_pool_size) == (20, 20)
    monkeypatch.setenv("DB_POOL_SIZE", "8")
    monkeypatch.setenv("DB_READ_POOL_SIZE", "12")
    settings = RegistrySettings(environment="test")
    assert (settings.db_pool_size, settings.db_read_pool_size) == (8, 12)
    for name, value in (("DB_POOL_SIZE", "0"), ("DB_READ_POOL_SIZE", "201")):
        monkeypatch.setenv(name, value)
        with pytest.raises(ValidationError, match=name.lower()):
            RegistrySettings(environment="test")
        monkeypatch.setenv(name, "10")
