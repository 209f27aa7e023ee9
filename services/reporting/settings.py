"""Reporting settings: supervision rollups for the leading-group office."""

from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    service_name: str = "reporting"
    port: int = 8003
    overdue_sweep_interval_s: float = Field(
        default=300.0, gt=0, description="How often weekly-report deadlines are checked."
    )
