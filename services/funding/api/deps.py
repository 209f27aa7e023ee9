"""Route dependencies shared by funding's features: callers by scope, and the profile lookup."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.funding.domain.programmes import ProfileLookup, bundled_profile
from shared.access import Principal, Scope
from shared.web.auth import require

Reader = Annotated[Principal, require(Scope.FUNDING_READ)]
MoneyOfficer = Annotated[Principal, require(Scope.FUNDING_APPROVE)]
"""The coarse gate for approving and paying; the profile then names the one department that may."""


async def _profiles(request: Request) -> ProfileLookup:
    return getattr(request.app.state, "profiles", None) or bundled_profile


ProfilesDep = Annotated[ProfileLookup, Depends(_profiles)]
