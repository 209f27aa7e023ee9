"""Reporting service: supervision for the leading-group office (rollups, targets, reports, bulletins)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.reporting.api import (
    bulletins,
    dashboard,
    exports,
    monthly_reports,
    rollups,
    targets,
    weekly_reports,
)
from services.reporting.api.evaluations import router as evaluations_router
from services.reporting.api.forecast import router as forecast_router
from services.reporting.api.indicators import router as indicators_router
from services.reporting.api.restatements import router as restatements_router
from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.overdue_sweep import sweep_overdue_reports
from services.reporting.settings import ReportingSettings
from shared.clock import Clock
from shared.contracts.topics import REPORTING_EVENTS
from shared.web.app import ServiceDefinition, create_app


def create_reporting_app(settings: ReportingSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """Build the reporting app; settings default to the environment, the clock to the system's."""
    return create_app(
        ServiceDefinition(
            settings=settings or ReportingSettings(),
            title="Reporting (督导)",
            description=(
                "Per-district rollups now or as of a day, week or month; progress against yearly"
                " targets; weekly and monthly reports; the weekly bulletin. Projected from every service's"
                " events."
            ),
            # exports first: `/bulletins/{id}.pdf` must match before `/bulletins/{id}`.
            routers=[
                exports.router,
                dashboard.router,
                rollups.router,
                targets.router,
                weekly_reports.router,
                monthly_reports.router,
                bulletins.router,
            ]
            + [indicators_router, evaluations_router, forecast_router, restatements_router],
            migrations_dir=Path(__file__).parent / "migrations",
            # reporting.events is consumed too (overdue reports and laggards count in the figures).
            produces=[REPORTING_EVENTS],
            subscriptions=SUBSCRIPTIONS,
            workers=[sweep_overdue_reports],
            clock=clock,
        )
    )
