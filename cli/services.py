"""The four services as the CLI knows them: name, settings class, local port.

Settings are read the way the service reads them (its environment: DATABASE_URL,
KAFKA_BOOTSTRAP_SERVERS, TOPIC_PREFIX ...), so `DATABASE_URL=... renovation outbox parked funding`
looks at exactly the database the service uses.
"""

from __future__ import annotations

from enum import StrEnum
from importlib import import_module

import typer

from shared.settings import ServiceSettings

__all__ = ["Service", "settings_of"]


class Service(StrEnum):
    """A service of the platform."""

    registry = "registry"
    funding = "funding"
    reporting = "reporting"
    notification = "notification"


_SETTINGS = {
    Service.registry: ("services.registry.settings", "RegistrySettings"),
    Service.funding: ("services.funding.settings", "FundingSettings"),
    Service.reporting: ("services.reporting.settings", "ReportingSettings"),
    Service.notification: ("services.notification.settings", "NotificationSettings"),
}


def settings_of(service: Service) -> ServiceSettings:
    """The service's settings from the environment; a clear CLI error when they are invalid."""
    module, name = _SETTINGS[service]
    cls = getattr(import_module(module), name)
    try:
        settings: ServiceSettings = cls()
    except ValueError as exc:
        raise typer.BadParameter(f"{service} settings are invalid: {exc}") from None
    return settings


def default_port(service: Service) -> int:
    """The port the service listens on by default (its settings class's default)."""
    module, name = _SETTINGS[service]
    cls = getattr(import_module(module), name)
    return int(cls.model_fields["port"].default)
