"""Funding service: award subsidies and, later, plans, co-funding and disbursements."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.funding.api import router
from services.funding.handlers import SUBSCRIPTIONS
from services.funding.settings import FundingSettings
from shared.contracts.topics import FUNDING_EVENTS
from shared.web.app import ServiceDefinition, create_app


def create_funding_app(settings: FundingSettings | None = None) -> FastAPI:
    """Build the funding app; settings default to the environment."""
    return create_app(
        ServiceDefinition(
            settings=settings or FundingSettings(),
            title="Funding (资金)",
            description="Award subsidies approved from accepted projects; every yuan traceable.",
            routers=[router],
            migrations_dir=Path(__file__).parent / "migrations",
            produces=[FUNDING_EVENTS],
            subscriptions=SUBSCRIPTIONS,
        )
    )
