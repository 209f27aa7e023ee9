"""Contract events built the way the registry builds them, for tests that publish directly."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import ProjectAccepted


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
