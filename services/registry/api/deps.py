"""Who may call the registry's routes."""

from __future__ import annotations

from typing import Annotated

from shared.access import Principal, Scope
from shared.web.auth import require

Reader = Annotated[Principal, require(Scope.REGISTRY_READ)]
Writer = Annotated[Principal, require(Scope.REGISTRY_WRITE)]
