"""Contract events built the way the registry builds them, for tests that publish directly."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import ProjectAccepted, ProjectRegistered


def project_accepted(**overrides: Any) -> CloudEvent:
    fields: dict[str, Any] = {
        "project_id": uuid.uuid4(),
        "community_id": uuid.uuid4(),
        "district_code": "zz-jinshui",
        "programme_code": "zhengzhou-2019",
        "investment_fen": 500_000_00,
        "audited_investment_fen": 500_000_00,
        "accepted_on": date(2026, 11, 20),
        **overrides,
    }
    return CloudEvent.wrap(ProjectAccepted(**fields))


def project_registered(project_id: uuid.UUID | None = None, **overrides: Any) -> ProjectRegistered:
    """A registry `ProjectRegistered` payload (a new project id unless one is given)."""
    fields: dict[str, Any] = {
        "project_id": project_id or uuid.uuid4(),
        "community_id": uuid.uuid4(),
        "district_code": "zz-jinshui",
        "programme_code": "zhengzhou-2019",
        "name": "整治",
        "investment_fen": 100,
        **overrides,
    }
    return ProjectRegistered(**fields)
