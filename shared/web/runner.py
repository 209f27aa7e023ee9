"""Runs one service process: JSON logs, then uvicorn on the service's app factory."""

from __future__ import annotations

import uvicorn

from shared.observability.logs import configure_logging
from shared.settings import ServiceSettings


def serve(factory: str, settings: ServiceSettings) -> None:
    """Serve `factory` ("package.module:function") on `settings.bind_host`:`settings.port`.

    `BIND_HOST` defaults to 127.0.0.1: a local stack is reachable from this machine only. A
    container sets 0.0.0.0 so its published port works (docker-compose.yml).
    """
    configure_logging()
    uvicorn.run(factory, factory=True, host=settings.bind_host, port=settings.port, log_config=None)
