"""Funding's HTTP routes, one module per feature; thin: they parse, authorise by scope and call a handler."""

from fastapi import APIRouter

from services.funding.api import (
    awards,
    central_funds,
    disbursements,
    exports,
    journal,
    property_subsidy,
    sheets,
    sources,
    totals,
)

router = APIRouter()
for feature in (
    awards,
    central_funds,
    disbursements,
    exports,
    journal,
    property_subsidy,
    sheets,
    sources,
    totals,
):
    router.include_router(feature.router)

__all__ = ["router"]
