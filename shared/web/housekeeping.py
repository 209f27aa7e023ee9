"""The retention worker every service runs (issue 12, item 11): old inbox rows are purged on a
schedule, as `shared.db.retention` defines it (the relay deletes published outbox rows itself).

Why here and not in each service: every service has the same inbox, so one worker,
started by `start_runtime` beside the relay and the consumer, keeps them all bounded. Each pass
is bounded batches in short transactions; a pass that fails (the database away) is logged and
the supervisor starts the worker again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.clock import Clock
from shared.db.retention import purge_inbox
from shared.settings import ServiceSettings

__all__ = ["Housekept", "purge_once", "retention_worker"]


class Housekept(Protocol):
    """What the worker needs of a service's runtime (`shared.web.runtime.Runtime` has it)."""

    settings: ServiceSettings
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock


log = logging.getLogger(__name__)


async def purge_once(runtime: Housekept) -> int:
    """One pass, as of the runtime's clock; returns how many inbox rows were purged.

    Args:
        runtime: the service's runtime (its settings, sessions and clock).
    """
    settings = runtime.settings
    now = runtime.clock.now()
    inbox = await purge_inbox(
        runtime.sessions,
        now=now,
        older_than=timedelta(days=settings.inbox_retention_days),
        topic_retention=timedelta(milliseconds=settings.kafka_topic_retention_ms),
    )
    if inbox:
        log.info("retention purged %d inbox rows", inbox)
    return inbox


async def retention_worker(runtime: Housekept) -> None:
    """Purge every `retention_interval_s`, the first pass at start-up.

    Args:
        runtime: the service's runtime.
    """
    interval = runtime.settings.retention_interval_s
    while True:
        await purge_once(runtime)
        await asyncio.sleep(interval)
