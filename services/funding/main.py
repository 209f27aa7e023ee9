"""Funding service: award subsidies, their true-up, tranches and the money journal."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.funding.api import router
from services.funding.domain.programmes import ProfileLookup
from services.funding.handlers import SUBSCRIPTIONS, funding_subscriptions
from services.funding.settings import FundingSettings
from shared.contracts.topics import FUNDING_EVENTS
from shared.web.app import ServiceDefinition, create_app


def create_funding_app(
    settings: FundingSettings | None = None, profiles: ProfileLookup | None = None
) -> FastAPI:
    """Build the funding app; settings default to the environment, profiles to the bundled ones."""
    app = create_app(
        ServiceDefinition(
            settings=settings or FundingSettings(),
            title="Funding (资金)",
            description="Award subsidies from accepted projects, trued up on audit, paid in tranches; "
            "Kaifeng's central funds ranked by Housing and approved by Finance; funding sources and the "
            "property-service subsidy; every yuan traceable in a double-entry journal.",
            routers=[router],
            migrations_dir=Path(__file__).parent / "migrations",
            produces=[FUNDING_EVENTS],
            subscriptions=SUBSCRIPTIONS if profiles is None else funding_subscriptions(profiles),
        )
    )
    if profiles is not None:
        app.state.profiles = profiles  # read by api.deps.ProfilesDep
    return app
