"""Funding settings: investment plans, awards and disbursements."""

from __future__ import annotations

from shared.settings import ServiceSettings


class FundingSettings(ServiceSettings):
    service_name: str = "funding"
    port: int = 8002
