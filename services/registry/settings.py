"""Registry settings: the ledger of communities and projects."""

from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    service_name: str = "registry"
    port: int = 8001
    deadline_sweep_interval_s: float = Field(
        default=300.0, gt=0, description="How often step deadlines are checked for misses."
    )
