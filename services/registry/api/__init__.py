"""Registry HTTP routes by feature: thin adapters from requests to commands."""

from fastapi import APIRouter

from services.registry.api import (
    acceptance,
    acceptance_form,
    areas,
    audit,
    communities,
    construction,
    consultation,
    deadlines,
    directory,
    ledger_import,
    patrols,
    pipeline,
    planning,
    programmes,
    projects,
    takeover,
    tendering,
)

ROUTERS: list[APIRouter] = [
    communities.router,
    deadlines.router,  # before projects: /projects/overdue is not a project id
    projects.router,
    consultation.router,
    planning.router,
    tendering.router,
    construction.router,
    acceptance.router,
    acceptance_form.router,
    audit.router,
    takeover.router,
    pipeline.router,
    patrols.router,
    areas.router,
    directory.router,
    programmes.router,
    ledger_import.router,
]

__all__ = ["ROUTERS"]
