"""The pull feed (pure): which stored events a reader may see, page by page.

Push is never guaranteed, so an organisation can reconcile by reading, in order, every event it
is entitled to (the same `shared.access.sees_event` rules as webhooks, e-mail and inbox), each
minimised for the reader's role like every other channel (`domain.minimise`). The
cursor is the position after the last event examined, so a page of events the reader may not see
still moves the cursor on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from services.notification.domain.minimise import minimise_data
from shared.access import Principal, sees_event


class FeedRow(Protocol):
    @property
    def seq(self) -> int | None: ...
    @property
    def event_type(self) -> str: ...
    @property
    def district_code(self) -> str | None: ...
    @property
    def content(self) -> str: ...
    @property
    def assigned_utilities(self) -> list[str] | None: ...


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: int


def page(
    reader: Principal, rows: Iterable[FeedRow], after: int, limit: int, types: Sequence[str] = ()
) -> Page:
    """The first `limit` events in `rows` (ascending, all after `after`) the reader may see."""
    items: list[dict[str, Any]] = []
    cursor = after
    for row in rows:
        if len(items) >= limit:
            break
        cursor = int(row.seq or cursor)
        if types and row.event_type not in types:
            continue
        envelope = json.loads(row.content)
        data = {
            **(envelope.get("data") or {}),
            **({"assigned_utilities": row.assigned_utilities} if row.assigned_utilities else {}),
        }
        if sees_event(reader, row.event_type, row.district_code, data):
            items.append(
                {**envelope, "data": minimise_data(reader, row.event_type, envelope.get("data") or {})}
            )
    return Page(items, cursor)
