"""Runs one service process: JSON logs, then uvicorn on the service's app factory."""

from __future__ import annotations

import uvicorn

from shared.observability.logs import configure_logging
from shared.settings import ServiceSettings


def serve(factory: str, settings: ServiceSettings) -> None:
    """Serve `factory` ("package.module:function") on 0.0.0.0:`settings.port`."""
    configure_logging()
    uvicorn.run(factory, factory=True, host="0.0.0.0", port=settings.port, log_config=None)
