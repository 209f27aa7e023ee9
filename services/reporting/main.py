"""Reporting service: supervision rollups for the leading-group office."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.reporting.api import rollups
from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.settings import ReportingSettings
from shared.web.app import ServiceDefinition, create_app


def create_reporting_app(settings: ReportingSettings | None = None) -> FastAPI:
    """Build the reporting app; settings default to the environment."""
    return create_app(
        ServiceDefinition(
            settings=settings or ReportingSettings(),
            title="Reporting (督导)",
            description=(
                "Per-district rollups, now or as of a day, week or month, projected from registry"
                " and funding events."
            ),
            routers=[rollups.router],
            migrations_dir=Path(__file__).parent / "migrations",
            subscriptions=SUBSCRIPTIONS,
        )
    )
