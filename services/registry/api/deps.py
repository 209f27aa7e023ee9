"""Who may call the registry's routes."""

from __future__ import annotations

from typing import Annotated

from shared.access import Principal, Scope
from shared.web.auth import require
from shared.web.reads import Read, reading

Reader = Annotated[Principal, require(Scope.REGISTRY_READ)]
Writer = Annotated[Principal, require(Scope.REGISTRY_WRITE)]
Reading = Annotated[Read, reading(Scope.REGISTRY_READ)]
"""A `Reader` with a read connection, in one dependency (`shared.web.reads`): for the hot GETs."""
