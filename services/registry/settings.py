"""Registry settings: the ledger of communities and projects."""

from __future__ import annotations

from shared.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    service_name: str = "registry"
    port: int = 8001
