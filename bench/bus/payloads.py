"""The events every bus scenario sends, and the sizes the platform uses by default."""

from __future__ import annotations

import uuid

from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import ProjectRegistered
from shared.settings import ServiceSettings

PARTITIONS = 3
OUTBOX_BATCH: int = ServiceSettings.model_fields["outbox_batch_size"].default
"""The platform's default outbox_batch_size: rows the relay takes at a time."""
BATCH: int = ServiceSettings.model_fields["consumer_batch_size"].default
"""The platform's default consumer_batch_size: records the consumer handles at a time."""
INSERT_BATCH = 500  # outbox rows added per transaction before the timed part
DISTRICTS = [f"1101{i:02d}" for i in range(1, 17)]  # 16 district counters the upsert handler bumps
# A short real name: the envelope is ~640 bytes, about the smallest a ProjectRegistered CloudEvent
# gets (the project id alone appears three times: subject, data, partitionkey).
PROJECT_NAME = "Xiyuan No.3 compound"


def make_payloads(n: int) -> list[ProjectRegistered]:
    """N distinct registrations spread over the 16 districts."""
    return [
        ProjectRegistered(
            project_id=uuid.uuid4(),
            community_id=uuid.uuid4(),
            district_code=DISTRICTS[i % len(DISTRICTS)],
            programme_code="2025-OLD-RENOV",
            name=PROJECT_NAME,
            investment_fen=1_234_567_00 + i,
        )
        for i in range(n)
    ]


def envelope_size() -> int:
    """Bytes of one event on the wire."""
    return len(CloudEvent.wrap(make_payloads(1)[0]).to_bytes())
